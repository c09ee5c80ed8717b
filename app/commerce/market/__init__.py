"""The market: listings, photos, pickup orders and sales."""
