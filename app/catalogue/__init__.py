"""SME companies and their product catalogues."""
