"""Grades every query against every supplier by the rules of README.md ("Grading rules").

A product earns, for one need of a query:
  3  a wanted type meeting every hard must and every soft preference;
  2  a wanted type meeting every non-certificate must but missing a preference or a required
     certificate; or a close variant meeting every hard must;
  1  a wanted type contradicting a non-certificate must; a close variant missing a hard must;
     or an adjacent ("related") type;
  0  anything else.
A supplier's grade is the best any of its products earns for any need. The required_certifications
column is a hard must of every need. Certificates never make a product of another type relevant.
"""

from source import BUYERS, PARTNERS, SUPPLIERS


def _norm(token):
    return token.strip().lower()


def certificate_names():
    """Every certificate name the set uses: catalogue rows and required columns."""
    names = {_norm(c) for s in SUPPLIERS for p in s.products for c in p.certs}
    for q in BUYERS + PARTNERS:
        names |= {_norm(c) for c in q.required.split(";") if c.strip()}
    return names


CERTS = certificate_names()


def type_matches(product_type, patterns):
    category = product_type.split("/")[0]
    return any(p == product_type or p == category + "/*" for p in patterns)


def has(product, token):
    token = _norm(token)
    return token in {_norm(a) for a in product.attrs} or token in {_norm(c) for c in product.certs}


def grade_product(product, need, required):
    musts = list(need.must) + list(required)
    cert_missing = any(not has(product, m) for m in musts if _norm(m) in CERTS)
    attr_missing = any(not has(product, m) for m in musts if _norm(m) not in CERTS)
    pref_missing = any(not has(product, p) for p in need.prefs)
    if type_matches(product.type, need.types):
        if attr_missing:
            return 1
        if cert_missing or pref_missing:
            return 2
        return 3
    if type_matches(product.type, need.variants):
        return 1 if attr_missing or cert_missing else 2
    if type_matches(product.type, need.related):
        return 1
    return 0


def required_of(query):
    return [c.strip() for c in query.required.split(";") if c.strip()]


def grade_supplier(query, supplier):
    required = required_of(query)
    return max((grade_product(p, n, required) for p in supplier.products for n in query.needs),
               default=0)


def judge(queries, skip_seeker=False):
    """{query index: {supplier key: grade >= 1}}"""
    out = {}
    for i, q in enumerate(queries):
        grades = {}
        for s in SUPPLIERS:
            if skip_seeker and s.key == q.name:
                continue
            g = grade_supplier(q, s)
            if g:
                grades[s.key] = g
        out[i] = grades
    return out


def check():
    """The annotations are consistent with the rules; raises listing every problem."""
    problems = []
    try:
        _check(problems)
    except AssertionError as e:
        problems.append(str(e))
    if problems:
        raise SystemExit("\n".join(problems))


def _expect(problems, ok, message):
    if not ok:
        problems.append(message)


def _check(problems):
    types = {p.type for s in SUPPLIERS for p in s.products}
    categories = {t.split("/")[0] for t in types}
    attrs = {_norm(a) for s in SUPPLIERS for p in s.products for a in p.attrs}
    keys = [s.key for s in SUPPLIERS]
    _expect(problems, len(keys) == len(set(keys)), "duplicate supplier key")
    for q in BUYERS + PARTNERS:
        _expect(problems, q.needs, f"{q.name}: no need")
        for n in q.needs:
            for t in n.types + n.variants + n.related:
                ok = t[:-2] in categories if t.endswith("/*") else t in types
                _expect(problems, ok, f"{q.name}: unknown type {t}")
            for token in n.must + n.prefs:
                _expect(problems, _norm(token) in CERTS or _norm(token) in attrs,
                        f"{q.name}: unknown {token}")
            required = required_of(q)
            best = max(grade_product(p, n, required) for s in SUPPLIERS for p in s.products
                       if s.key != q.name)
            _expect(problems, best == 3, f"{q.name}: no grade-3 supplier for {n.types}")
        classes = set(q.classes.split())
        _expect(problems, ("e" in classes) == bool(q.hs), f"{q.name}: class e and hs_codes")
        if "a" in classes:  # a certificate stated in the text ("organic" = organic certification)
            stated = [_norm(m) for n in q.needs for m in n.must + n.prefs]
            _expect(problems, not q.required and any(m in CERTS or m == "organic" for m in stated),
                    f"{q.name}: class a without a certificate in the text")
        if "b" in classes:
            _expect(problems, required_of(q) or any(_norm(m) in CERTS for n in q.needs
                                                    for m in n.must), f"{q.name}: class b")
        if "c" in classes:
            _expect(problems, len(q.needs) >= 2, f"{q.name}: class c with one need")
    for q in PARTNERS:
        _expect(problems, q.name in keys, f"partner search by unknown SME {q.name}")
