"""Column arrays of every product and buyer, so pairs are scored with numpy, not row by row."""

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sqlalchemy import select

from app.buyers.models import Buyer, BuyerHSCode, buyer_required_certification
from app.catalogue.models import Certification, ExportMarket, Product, product_certification
from app.extensions import db
from app.matching import requirements
from app.matching.lexical import (
    bm25_weights,
    query_terms,
    query_vectors,
    term_counts,
    weigh_queries,
)
from app.matching.texts import buyer_text, product_text


def hs_parts(code: str | None) -> tuple[int, int, int]:
    """(chapter, heading, subheading) as integers, -1 where the code does not go that deep."""
    code = code or ""
    return tuple(int(code[:n]) if len(code) >= n else -1 for n in (2, 4, 6))


TEXT_COLUMNS = (Product.name_ko, Product.name_en, Product.description_ko, Product.description_en)
IN_CHUNK = 10_000  # ids per IN list (PostgreSQL takes at most 65,535 parameters)
_GENERATIONS = itertools.count(1)  # numbers the lexical statistics a process has computed


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
    stamps: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # updated_at, µs
    counts: sparse.csr_matrix | None = None  # bigram term counts, kept for the next load
    lexical_generation: int = 0  # moves only when `lexical` and `idf` do (not on MOQ edits)
    names: sparse.csr_matrix | None = None   # 1 where a product's names hold the term
    name_weights: sparse.csr_matrix | None = None  # the same weighted by IDF
    name_norms: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    _postings: sparse.csc_matrix | None = None

    @classmethod
    def load(cls, previous: "ProductTable | None" = None) -> "ProductTable":
        """Every product's columns; the texts of products unchanged since `previous` are not
        read or split into terms again (a catalogue edit costs a query, not a rebuild)."""
        rows = db.session.execute(select(Product.id, Product.company_id, Product.hs_code,
                                         Product.updated_at).order_by(Product.id)).all()
        n = len(rows)
        ids = np.fromiter((r.id for r in rows), np.int64, n)
        company_ids = np.fromiter((r.company_id for r in rows), np.int64, n)
        stamps = np.fromiter((_stamp(r.updated_at) for r in rows), np.int64, n)
        hs = np.array([hs_parts(r.hs_code) for r in rows], dtype=np.int64).reshape(n, 3)
        names = list(db.session.scalars(select(Certification.name).order_by(Certification.id)))
        columns = {name.casefold(): i for i, name in enumerate(names)}
        held = db.session.execute(select(product_certification.c.product_id,
                                         Certification.name).join(Certification)).all()
        held_ids = np.fromiter((pid for pid, _name in held), np.int64, len(held))
        found = np.isin(held_ids, ids)
        cert_cols = np.fromiter((columns[name.casefold()] for _pid, name in held), np.int64,
                                len(held))
        certifications = sparse.csr_matrix(
            (np.ones(int(found.sum()), np.float32),
             (np.searchsorted(ids, held_ids[found]), cert_cols[found])),
            shape=(n, max(len(columns), 1)))
        counts, name_terms, same_terms = _term_counts(ids, stamps, previous)
        if same_terms:  # no text changed (an MOQ or HS edit): the BM25 statistics are the same
            lexical, idf, generation = previous.lexical, previous.idf, previous.lexical_generation
        else:
            (lexical, idf), generation = bm25_weights(counts), next(_GENERATIONS)
        markets: dict[int, set[str]] = {}
        for company_id, code in db.session.execute(select(ExportMarket.company_id,
                                                          ExportMarket.country_code)):
            markets.setdefault(company_id, set()).add(code)
        table = cls(ids, company_ids, hs, certifications, lexical, idf, columns, names,
                    {cid: frozenset(codes) for cid, codes in markets.items()}, stamps=stamps,
                    counts=counts, lexical_generation=generation, names=name_terms)
        if same_terms:
            table._postings = previous._postings
        weighted = name_terms.multiply(idf[None, :]).tocsr().astype(np.float32)
        table.name_weights = weighted
        table.name_norms = np.asarray(weighted.sum(axis=1)).ravel()
        order = np.argsort(company_ids, kind="stable")
        bounds = np.flatnonzero(np.diff(company_ids[order])) + 1
        for chunk in np.split(order, bounds) if n else []:
            table.company_rows[int(company_ids[chunk[0]])] = chunk
        return table

    def postings(self) -> sparse.csc_matrix:
        """`lexical` by term (CSC), built on first use and kept with the table."""
        if self._postings is None:
            self._postings = self.lexical.tocsc()
            self._postings.sort_indices()
        return self._postings

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


def _stamp(moment) -> int:
    return int(moment.timestamp() * 1_000_000) if moment is not None else 0


def _term_counts(ids: np.ndarray, stamps: np.ndarray, previous: ProductTable | None
                 ) -> tuple[sparse.csr_matrix, sparse.csr_matrix, bool]:
    """Term counts of every product, and the terms of its names (1 where present): reused
    from `previous` where the product's updated_at has not moved, counted from the text for
    the others; and whether the counts equal `previous`'s (the same products, none of whose
    terms changed)."""
    same = np.zeros(len(ids), dtype=bool)
    if previous is not None and previous.counts is not None and len(previous.ids):
        at = np.minimum(np.searchsorted(previous.ids, ids), len(previous.ids) - 1)
        same = (previous.ids[at] == ids) & (previous.stamps[at] == stamps)
    fresh = ids[~same]
    text_of: dict[int, str] = {}
    name_of: dict[int, str] = {}
    query = select(Product.id, *TEXT_COLUMNS)
    chunks = [query] if not same.any() else [  # nothing to reuse: one query, no IN list
        query.where(Product.id.in_(fresh[start:start + IN_CHUNK].tolist()))
        for start in range(0, len(fresh), IN_CHUNK)]
    for statement in chunks:
        for row in db.session.execute(statement):
            text_of[row.id] = product_text(row)
            name_of[row.id] = " ".join(name for name in (row.name_ko, row.name_en) if name)
    fresh_counts = term_counts([text_of.get(int(i), "") for i in fresh])
    fresh_names = query_terms([name_of.get(int(i), "") for i in fresh])
    if not same.any():
        return fresh_counts, fresh_names, False
    unchanged = (len(ids) == len(previous.ids) and np.array_equal(ids, previous.ids)
                 and (fresh_counts != previous.counts[at[~same]]).nnz == 0)
    names = _merged(previous.names, at[same], fresh_names, same)
    if unchanged:
        return previous.counts, names, True
    return _merged(previous.counts, at[same], fresh_counts, same), names, False


def _merged(previous: sparse.csr_matrix, kept_at: np.ndarray, fresh: sparse.csr_matrix,
            same: np.ndarray) -> sparse.csr_matrix:
    """Rows of `previous` (at `kept_at`) where `same`, rows of `fresh` elsewhere, in order."""
    stacked = sparse.vstack([previous[kept_at], fresh], format="csr")
    source = np.empty(len(same), dtype=np.int64)
    source[same] = np.arange(int(same.sum()))
    source[~same] = int(same.sum()) + np.arange(int((~same).sum()))
    return stacked[source]


def query_vector(text: str, idf: np.ndarray) -> tuple[sparse.csr_matrix, float]:
    """One query's IDF-weighted bigrams, and its score against itself (the ceiling)."""
    vectors, ceilings = query_vectors([text], idf)
    vectors.sort_indices()
    return vectors, float(ceilings[0])


@dataclass
class BuyerFacts:
    """What ranking needs to know of one buyer (or of any query: see `query_facts`)."""

    id: int
    country: str
    language: str
    required: list[str]          # casefolded mandatory certifications (column and text)
    hs_codes: list[str]
    query: sparse.csr_matrix     # IDF-weighted bigrams of the whole text
    ceiling: float
    preferred: list[str] = field(default_factory=list)   # casefolded, read from the text
    from_text: list[str] = field(default_factory=list)   # casefolded names read from the text
    column: list[str] = field(default_factory=list)      # casefolded, the stated column only
    scripts: tuple = ()          # ((hangul vector, ceiling), (other vector, ceiling))
    needs: int = 1               # separate needs in the text


def split_scripts(text: str) -> tuple[str, str]:
    """(Hangul letters only, everything but Hangul): a bigram of one is Korean text, of the
    other English (or another Latin-script language)."""
    hangul = "".join(c if _is_hangul(c) else " " for c in text)
    other = "".join(" " if _is_hangul(c) else c for c in text)
    return hangul, other


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3" or "\u3131" <= char <= "\u318e"


def query_facts(text: str, *, language: str, idf: np.ndarray, required: list[str],
                hs_codes: list[str], country: str, certification_names: list[str],
                ident: int = 0) -> BuyerFacts:
    """The facts of a query that is no buyer's (partner search): its text read the way a
    buyer's interests are."""
    terms = BuyerTerms.read([(ident, country, language, required, sorted(hs_codes), text)],
                            certification_names)
    return terms.facts(idf)[0]


@dataclass
class BuyerTerms:
    """What the buyers' facts need from the database, read once per buyer data version; their
    query vectors are weighted by the products' IDF in `facts`, as often as that changes."""

    buyers: list[tuple]          # id, country, language, mandatory, hs codes, preferred, ...
    present: sparse.csr_matrix   # (buyers, HASH_BUCKETS) 1 where the buyer's text has the term
    hangul: sparse.csr_matrix    # the same, of the text's Hangul only
    other: sparse.csr_matrix     # and of the rest

    @classmethod
    def load(cls) -> "BuyerTerms":
        """Every buyer, with relationships loaded in four queries."""
        buyers = db.session.scalars(select(Buyer).order_by(Buyer.id)).all()
        required: dict[int, list[str]] = {}
        for buyer_id, name in db.session.execute(
                select(buyer_required_certification.c.buyer_id, Certification.name)
                .join(Certification)):
            required.setdefault(buyer_id, []).append(name.casefold())
        codes: dict[int, list[str]] = {}
        for buyer_id, code in db.session.execute(select(BuyerHSCode.buyer_id,
                                                        BuyerHSCode.code)):
            codes.setdefault(buyer_id, []).append(code)
        names = list(db.session.scalars(select(Certification.name)))
        return cls.read([(buyer.id, buyer.country, buyer.language, required.get(buyer.id, []),
                          sorted(codes.get(buyer.id, [])), buyer_text(buyer))
                         for buyer in buyers], names)

    @classmethod
    def read(cls, rows: list[tuple], certification_names: list[str]) -> "BuyerTerms":
        """From (id, country, language, required, hs codes, text) rows: the requirements read
        from each text merged with the stated ones, its needs, and its terms by script."""
        buyers, texts = [], []
        for ident, country, language, column, codes, text in rows:
            read = requirements.extract(text, certification_names)
            from_text = [name.casefold() for name in read.mandatory + read.preferred]
            mandatory = list(dict.fromkeys(
                [*column, *(name.casefold() for name in read.mandatory)]))
            preferred = [name.casefold() for name in read.preferred
                         if name.casefold() not in mandatory]
            needs = len(requirements.split_needs(text, certification_names))
            buyers.append((ident, country, language, mandatory, codes, preferred,
                           [n for n in from_text if n not in column], list(column), needs))
            texts.append(requirements.need_text(text, certification_names))
        halves = [split_scripts(text) for text in texts]
        return cls(buyers, query_terms(texts), query_terms([h for h, _o in halves]),
                   query_terms([o for _h, o in halves]))

    def facts(self, idf: np.ndarray) -> list[BuyerFacts]:
        vectors, ceilings = weigh_queries(self.present, idf)
        vectors.sort_indices()  # scoring.row_dots looks columns up by binary search
        hangul, hangul_ceilings = weigh_queries(self.hangul, idf)
        other, other_ceilings = weigh_queries(self.other, idf)
        hangul.sort_indices()
        other.sort_indices()
        return [BuyerFacts(ident, country, language, mandatory, codes, vectors[i],
                           float(ceilings[i]), preferred=preferred, from_text=from_text,
                           column=column, needs=needs,
                           scripts=((hangul[i], float(hangul_ceilings[i])),
                                    (other[i], float(other_ceilings[i]))))
                for i, (ident, country, language, mandatory, codes, preferred, from_text,
                        column, needs) in enumerate(self.buyers)]
