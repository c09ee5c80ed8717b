"""Overseas buyer profiles."""
