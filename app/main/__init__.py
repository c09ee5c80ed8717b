"""The home page and health check."""
