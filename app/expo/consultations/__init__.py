"""Consultation desks: booking an expert's slot."""
