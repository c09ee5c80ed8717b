"""Accounts, roles and log-in."""
