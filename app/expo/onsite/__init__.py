"""On-site work on the day: check-in, no-shows, walk-in slots, the organiser's board."""
