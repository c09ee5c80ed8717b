"""Expo operations: events, meeting requests, scheduling, agendas, on-site work, results."""
