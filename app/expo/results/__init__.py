"""Expo results: meeting outcomes, deals and the organiser's report."""
