"""Reference data: countries (ISO 3166-1) and Harmonized System codes."""
