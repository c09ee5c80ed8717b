"""Column arrays of every product and buyer, so pairs are scored with numpy, not row by row."""

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sqlalchemy import select

from app.buyers.models import Buyer, BuyerHSCode, buyer_required_certification
from app.catalogue.models import Certification, ExportMarket, Product, product_certification
from app.extensions import db
from app.matching.lexical import bm25_weights, query_vectors, term_counts
from app.matching.texts import buyer_text, product_text


def hs_parts(code: str | None) -> tuple[int, int, int]:
    """(chapter, heading, subheading) as integers, -1 where the code does not go that deep."""
    code = code or ""
    return tuple(int(code[:n]) if len(code) >= n else -1 for n in (2, 4, 6))


@dataclass
class ProductTable:
    ids: np.ndarray                 # sorted product ids
    company_ids: np.ndarray
    hs: np.ndarray                  # (n, 3) chapter, heading, subheading or -1
    certifications: sparse.csr_matrix   # (n, certs) 1 where the product holds it
    lexical: sparse.csr_matrix      # (n, HASH_BUCKETS) BM25 document weights of bigrams
    idf: np.ndarray                 # (HASH_BUCKETS,) inverse document frequency
    certification_columns: dict[str, int]   # casefolded name -> column
    certification_names: list[str]          # column -> name as written
    export_countries: dict[int, frozenset[str]]
    company_rows: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "ProductTable":
        rows = db.session.execute(select(
            Product.id, Product.company_id, Product.hs_code, Product.name_ko, Product.name_en,
            Product.description_ko, Product.description_en).order_by(Product.id)).all()
        n = len(rows)
        ids = np.fromiter((r.id for r in rows), np.int64, n)
        company_ids = np.fromiter((r.company_id for r in rows), np.int64, n)
        hs = np.array([hs_parts(r.hs_code) for r in rows], dtype=np.int64).reshape(n, 3)
        names = list(db.session.scalars(select(Certification.name).order_by(Certification.id)))
        columns = {name.casefold(): i for i, name in enumerate(names)}
        held = db.session.execute(select(product_certification.c.product_id,
                                         Certification.name).join(Certification)).all()
        position = {pid: i for i, pid in enumerate(ids.tolist())}
        cert_rows = [position[pid] for pid, _name in held if pid in position]
        cert_cols = [columns[name.casefold()] for pid, name in held if pid in position]
        certifications = sparse.csr_matrix(
            (np.ones(len(cert_rows), np.float32), (cert_rows, cert_cols)),
            shape=(n, max(len(columns), 1)))
        lexical, idf = bm25_weights(term_counts([product_text(r) for r in rows]))
        markets: dict[int, set[str]] = {}
        for company_id, code in db.session.execute(select(ExportMarket.company_id,
                                                          ExportMarket.country_code)):
            markets.setdefault(company_id, set()).add(code)
        table = cls(ids, company_ids, hs, certifications, lexical, idf, columns, names,
                    {cid: frozenset(codes) for cid, codes in markets.items()})
        order = np.argsort(company_ids, kind="stable")
        bounds = np.flatnonzero(np.diff(company_ids[order])) + 1
        for chunk in np.split(order, bounds) if n else []:
            table.company_rows[int(company_ids[chunk[0]])] = chunk
        return table

    def certification_names_of(self, row: int) -> list[str]:
        """Names of the certifications a product row holds (read from the CSR arrays: row
        slices of a sparse matrix cost far more)."""
        matrix = self.certifications
        return [self.certification_names[c]
                for c in matrix.indices[matrix.indptr[row]:matrix.indptr[row + 1]]]

    def rows_of(self, product_ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.ids, product_ids)

    def query_vector(self, text: str) -> tuple[sparse.csr_matrix, float]:
        """The query's IDF-weighted bigrams, and its score against itself (the ceiling)."""
        return query_vector(text, self.idf)


def query_vector(text: str, idf: np.ndarray) -> tuple[sparse.csr_matrix, float]:
    """One query's IDF-weighted bigrams, and its score against itself (the ceiling)."""
    vectors, ceilings = query_vectors([text], idf)
    return vectors, float(ceilings[0])


@dataclass
class BuyerFacts:
    id: int
    country: str
    language: str
    required: list[str]          # casefolded names
    hs_codes: list[str]
    query: sparse.csr_matrix
    ceiling: float


def buyer_facts(buyer: Buyer, idf: np.ndarray) -> BuyerFacts:
    vector, ceiling = query_vector(buyer_text(buyer), idf)
    return BuyerFacts(buyer.id, buyer.country, buyer.language,
                      [c.name.casefold() for c in buyer.required_certifications],
                      buyer.hs_codes, vector, ceiling)


def all_buyer_facts(idf: np.ndarray) -> list[BuyerFacts]:
    """Every buyer, with relationships loaded in three queries."""
    buyers = db.session.scalars(select(Buyer).order_by(Buyer.id)).all()
    required: dict[int, list[str]] = {}
    for buyer_id, name in db.session.execute(
            select(buyer_required_certification.c.buyer_id, Certification.name)
            .join(Certification)):
        required.setdefault(buyer_id, []).append(name.casefold())
    codes: dict[int, list[str]] = {}
    for buyer_id, code in db.session.execute(select(BuyerHSCode.buyer_id, BuyerHSCode.code)):
        codes.setdefault(buyer_id, []).append(code)
    vectors, ceilings = query_vectors([buyer_text(buyer) for buyer in buyers], idf)
    return [BuyerFacts(buyer.id, buyer.country, buyer.language, required.get(buyer.id, []),
                       sorted(codes.get(buyer.id, [])), vectors[i], float(ceilings[i]))
            for i, buyer in enumerate(buyers)]
