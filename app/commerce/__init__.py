"""The co-prosperity market (상생마켓): listings of catalogue products, orders for pickup."""
