"""The text each side is embedded and searched by, and its hash."""

import hashlib

from app.buyers.models import Buyer
from app.catalogue.models import Product


def product_text(product: Product) -> str:
    """Name and description in both languages: whatever the SME wrote."""
    parts = [product.name_ko, product.name_en, product.description_ko, product.description_en]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def buyer_text(buyer: Buyer) -> str:
    return (buyer.interests or "").strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
