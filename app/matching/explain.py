"""Why a pair was matched, in the viewer's language, citing the catalogue lines that matched."""

import functools
from dataclasses import dataclass, field

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.buyers.models import Buyer
from app.catalogue.models import Company, Product
from app.extensions import db
from app.i18n import _, current_language
from app.matching.scoring import PairScore
from app.reference.countries import country_name
from app.reference.hs import hs_description


@dataclass
class MatchedProduct:
    product: Product
    percent: int            # cosine similarity as a percentage
    words_in_common: bool


@dataclass
class Explanation:
    products: list[MatchedProduct] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)     # what speaks for the pair
    cautions: list[str] = field(default_factory=list)    # what the viewer should check
    interpreter_needed: bool = False


def language_name(code: str) -> str:
    """"Korean", "영어": the language's name in the viewer's language (CLDR)."""
    return _language_name(code, current_language())


@functools.lru_cache(maxsize=1024)
def _language_name(code: str, viewer: str) -> str:
    # The viewer's locale names the language: no CLDR file to read per spoken language.
    return (Locale.parse(viewer).languages.get(code)
            or Locale.parse(code).get_display_name(viewer) or code)


def explain(pair: PairScore, buyer: Buyer, company: Company,
            products: dict[int, Product], viewer: str = "buyer",
            stated: "Stated | None" = None) -> Explanation:
    """`viewer` is the side reading it: "buyer" (your interest) or "supplier" (the buyer's);
    `stated`: what the buyer's text was read to ask (certifications, needs)."""
    stated = stated or Stated([c.name for c in buyer.required_certifications], [], [], [])
    out = Explanation()
    for evidence in pair.products:
        product = products.get(evidence.product_id)
        if product is not None:
            out.products.append(MatchedProduct(product, round(100 * evidence.similarity),
                                               evidence.lexical >= 0.15))
    best = pair.best
    best_product = products.get(best.product_id)
    if best.hs_code:
        shared = best_product.hs_code[:best.hs_level] if best_product and \
            best_product.hs_code else best.hs_code
        if viewer == "buyer":
            sentence = {
                6: _("Same HS subheading %(code)s (%(name)s) as your interest %(interest)s."),
                4: _("Same HS heading %(code)s (%(name)s) as your interest %(interest)s."),
                2: _("Same HS chapter %(code)s (%(name)s) as your interest %(interest)s."),
            }[best.hs_level]
        else:
            sentence = {
                6: _("Same HS subheading %(code)s (%(name)s) as the buyer's interest "
                     "%(interest)s."),
                4: _("Same HS heading %(code)s (%(name)s) as the buyer's interest %(interest)s."),
                2: _("Same HS chapter %(code)s (%(name)s) as the buyer's interest %(interest)s."),
            }[best.hs_level]
        out.reasons.append(sentence % {"code": shared, "name": hs_description(shared),
                                       "interest": best.hs_code})
    if best.named:
        out.reasons.append(_("Its product is called what your text asks for.") if viewer == "buyer"
                           else _("Its product is called what the buyer's text asks for."))
    if best.need is not None and best.need < len(stated.needs):
        out.reasons.append((_("Answers one of your needs: “%(need)s”.") if viewer == "buyer"
                            else _("Answers one of the buyer's needs: “%(need)s”."))
                           % {"need": stated.needs[best.need]})
    required = stated.required
    if best.preferred_met:
        out.reasons.append(_("Holds preferred certifications: %(names)s.",
                             names=", ".join(best.preferred_met)))
    if required:
        missing = [name for name in required
                   if name.casefold() not in {m.casefold() for m in best.certifications_met}]
        if best.certifications_met:
            out.reasons.append(_("Holds the required certifications: %(names)s.",
                                 names=", ".join(best.certifications_met)))
        if missing:
            out.cautions.append(_("Missing required certifications: %(names)s.",
                                  names=", ".join(missing)))
    if pair.exports_to_country:
        out.reasons.append(_("Already exports to %(country)s.",
                             country=country_name(buyer.country)))
    if best_product is not None and best_product.moq:
        out.reasons.append(_("Minimum order: %(moq)s.", moq=best_product.moq))
    spoken = company.spoken_languages
    if buyer.language not in spoken:
        out.interpreter_needed = True
        out.cautions.append(_(
            "An interpreter will be needed: the buyer speaks %(buyer)s; the supplier's team "
            "speaks %(supplier)s.", buyer=language_name(buyer.language),
            supplier=", ".join(language_name(code) for code in spoken)))
    return out


@dataclass
class Stated:
    """What a buyer asks for, as ranking read it: certifications (names as the database
    spells them) mandatory, of which read from the text, preferred; and the separate needs."""

    required: list[str]
    from_text: list[str]
    preferred: list[str]
    needs: list[str]


def stated_of(buyer: Buyer) -> Stated:
    """The buyer's requirements as the ranking reads them (the stated column and the text)."""
    from app.matching.engine import engine
    from app.matching.ranking import certification_names
    from app.matching.requirements import split_needs

    names = certification_names()
    spelled = {name.casefold(): name for name in names}
    facts = engine().buyer_facts().get(buyer.id)
    if facts is None:
        return Stated([c.name for c in buyer.required_certifications], [], [], [])
    shown = lambda found: [spelled.get(n, n) for n in found]  # noqa: E731
    needs = split_needs(buyer.interests or "", names) if facts.needs > 1 else []
    return Stated(shown(facts.required), shown(n for n in facts.from_text
                                               if n in facts.required),
                  shown(facts.preferred), needs)


def explain_all(pairs: list[PairScore], viewer: str = "buyer"
                ) -> dict[tuple[int, int], Explanation]:
    """Explanations for a page of pairs, loading their records in a few queries."""
    product_ids = {e.product_id for pair in pairs for e in pair.products}
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(product_ids))
        .options(selectinload(Product.certifications)))}
    companies = {c.id: c for c in db.session.scalars(
        select(Company).where(Company.id.in_({p.company_id for p in pairs})))}
    buyers = {b.id: b for b in db.session.scalars(
        select(Buyer).where(Buyer.id.in_({p.buyer_id for p in pairs}))
        .options(selectinload(Buyer.required_certifications)))}
    stated = {buyer_id: stated_of(buyer) for buyer_id, buyer in buyers.items()}
    return {(p.buyer_id, p.company_id): explain(p, buyers[p.buyer_id], companies[p.company_id],
                                                 products, viewer, stated[p.buyer_id])
            for p in pairs}
