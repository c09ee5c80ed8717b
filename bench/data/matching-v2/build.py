#!/usr/bin/env python3
"""Writes the CSVs of matching development set v2 from source.py, judged by judge.py.

Deterministic: the same source gives the same bytes. Prints the counts given in README.md.
usage: python3 bench/data/matching-v2/build.py
"""

import csv
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from judge import check, judge  # noqa: E402
from source import BUYERS, PARTNERS, SUPPLIERS  # noqa: E402

SUPPLIER_COLUMNS = ["supplier_ref", "company_name_ko", "company_name_en", "region_ko",
                    "product_ref", "product_name_ko", "product_name_en", "description_ko",
                    "description_en", "hs_code", "moq", "unit_price_usd", "certifications",
                    "export_countries"]
BUYER_COLUMNS = ["buyer_ref", "company_name", "country", "language", "interests",
                 "required_certifications", "hs_codes"]
PARTNER_COLUMNS = ["partner_ref", "supplier_ref", "language", "looking_for",
                   "required_certifications", "hs_codes"]


def supplier_refs():
    return {s.key: f"MS{i:03d}" for i, s in enumerate(SUPPLIERS, 1)}


def write(name, header, rows):
    with open(HERE / name, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def qrel_rows(refs, judged, query_ref):
    rows = []
    for i, grades in judged.items():
        for key, g in sorted(grades.items(), key=lambda kv: (-kv[1], refs[kv[0]])):
            rows.append([query_ref(i), refs[key], g])
    return rows


def main():
    check()
    refs = supplier_refs()
    rows, n = [], 0
    for s in SUPPLIERS:
        for p in s.products:
            n += 1
            rows.append([refs[s.key], s.name_ko, s.name_en, s.region, f"MP{n:03d}", p.name_ko,
                         p.name_en, p.desc_ko, p.desc_en, p.hs, p.moq, p.price,
                         ";".join(p.certs), s.exports])
    write("suppliers.csv", SUPPLIER_COLUMNS, rows)

    def buyer_ref(i):
        return f"MB{i + 1:03d}"

    def partner_ref(i):
        return f"PS{i + 1:02d}"

    write("buyers.csv", BUYER_COLUMNS,
          [[buyer_ref(i), b.name, b.country, b.language, b.text, b.required, b.hs]
           for i, b in enumerate(BUYERS)])
    write("query_classes.csv", ["query_ref", "classes"],
          [[buyer_ref(i), " ".join(b.classes.split())] for i, b in enumerate(BUYERS)]
          + [[partner_ref(i), " ".join(q.classes.split())] for i, q in enumerate(PARTNERS)])
    write("partners.csv", PARTNER_COLUMNS,
          [[partner_ref(i), refs[q.name], q.language, q.text, q.required, q.hs]
           for i, q in enumerate(PARTNERS)])
    buyer_judged = judge(BUYERS)
    partner_judged = judge(PARTNERS, skip_seeker=True)
    header = ["buyer_ref", "supplier_ref", "grade"]
    write("qrels.csv", header, qrel_rows(refs, buyer_judged, buyer_ref))
    write("partner_qrels.csv", ["partner_ref", "supplier_ref", "grade"],
          qrel_rows(refs, partner_judged, partner_ref))
    report(buyer_judged, partner_judged)


def report(buyer_judged, partner_judged):
    english = [s for s in SUPPLIERS
               if s.name_en or any(p.name_en or p.desc_en for p in s.products)]
    products = [p for s in SUPPLIERS for p in s.products]
    print(f"suppliers {len(SUPPLIERS)} ({len(SUPPLIERS) - len(english)} Korean-only), "
          f"products {len(products)}, categories "
          f"{len({p.type.split('/')[0] for p in products})}, "
          f"products with hs_code {sum(1 for p in products if p.hs)}")
    langs = Counter(b.language for b in BUYERS)
    print(f"buyers {len(BUYERS)}: " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items())))
    for c in "abcde":
        members = [b for b in BUYERS if c in b.classes.split()]
        by_lang = Counter(b.language for b in members)
        print(f"  class {c}: {len(members)} (en {by_lang['en']}, ko {by_lang['ko']})")
    print(f"  plain (no class): {sum(1 for b in BUYERS if not b.classes.split())}")
    print(f"  countries: {len({b.country for b in BUYERS})}")
    for name, judged in (("buyers", buyer_judged), ("partners", partner_judged)):
        grades = Counter(g for gs in judged.values() for g in gs.values())
        sizes = Counter(len(gs) for gs in judged.values())
        print(f"{name}: {len(judged)} queries, judged pairs "
              + ", ".join(f"grade {g}: {grades[g]}" for g in (3, 2, 1))
              + f"; judged suppliers per query {dict(sorted(sizes.items()))}")


if __name__ == "__main__":
    main()
