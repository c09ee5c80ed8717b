"""Uploads fuzzed with Hypothesis: catalogue and buyer imports (CSV and XLSX, through the
service functions and through the web as organiser and supplier).

The property: never a server error, and either the whole file was imported or no row changed.
Each test reports how many examples it ran (visible with -s); RUNS collects them.
"""

import csv
import io
import zipfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from app.auth.models import Role
from app.buyers import transfer as buyer_transfer
from app.buyers.models import Buyer
from app.catalogue import transfer as catalogue_transfer
from app.catalogue.models import Company, Product
from app.spreadsheets.importing import ImportRejected
from app.spreadsheets.tabular import FileRejected
from tests.security.helpers import database_state

EXAMPLES = 60
# No shrinking: each example compares the whole database, and shrinking a failure took
# minutes; the failing example is printed as found.
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
RUNS: dict[str, int] = {}

# --- Cells, rows and files ------------------------------------------------------------------

FORMULAS = st.sampled_from(["=1+1", "+SUM(A1:A9)", "-2", "@cmd", "=HYPERLINK(\"x\")", "'=1"])
NUMBERS = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["1e400", "NaN", "-0", "Infinity", "1_000", "$2.40", "2,40", "0x10",
                     "１２３", "1e-400", "9" * 40, "-1.5", "1.005"]))
HS_CODES = st.one_of(st.from_regex(r"[0-9]{1,8}", fullmatch=True),
                     st.sampled_from(["190219", "1902.19", "19 02 19", "0000", "99", "ab"]))
COUNTRIES = st.one_of(st.sampled_from(["NZ", "US;JP", "xx", "Korea", "KR; ;", "ZZ", "uk",
                                       "South Korea", "KOR", "410"]), st.text(max_size=6))
HUGE = st.sampled_from([5_001, 10_001, 140_000]).map(lambda n: "가" * n)
TEXT = st.text(max_size=30)
CELL = st.one_of(TEXT, TEXT, FORMULAS, NUMBERS, HS_CODES, COUNTRIES, st.just(""))
REFS = st.sampled_from(["FZ1", "FZ2", "FZ3"])
# Names as people type them, and as they should not: NUL (PostgreSQL refuses it), escape
# codes, a BOM, right-to-left override, tabs.
NAMES = st.one_of(st.text(min_size=1, max_size=20).filter(str.strip),
                  st.sampled_from(["a\x00b", "제품\x1b[31m", "\ufeffBOM", "\u202eevil",
                                   "tab\there", "줄\n바꿈", "\x0b세로탭"]))


def _plausible_product() -> st.SearchStrategy[dict]:
    """Rows that often pass validation, so that whole imports happen too."""
    name = NAMES
    return st.fixed_dictionaries({
        "supplier_ref": REFS, "company_name_ko": st.just("퍼즈식품"),
        "product_ref": st.from_regex(r"P[0-9]{1,3}", fullmatch=True),
        "product_name_ko": name, "description_ko": name,
        "hs_code": st.sampled_from(["", "190219", "2103", "19"]),
        "unit_price_usd": st.sampled_from(["", "1.20", "3"]),
        "certifications": st.sampled_from(["", "HACCP", "HACCP;Halal"]),
        "export_countries": st.sampled_from(["", "JP", "US;JP"]),
    })


def _plausible_buyer() -> st.SearchStrategy[dict]:
    name = NAMES
    return st.fixed_dictionaries({
        "buyer_ref": st.sampled_from(["FB1", "FB2", "FB3"]), "company_name": name,
        "country": st.sampled_from(["NZ", "US", "JP"]), "language": st.sampled_from(["en", "ko"]),
        "interests": name, "hs_codes": st.sampled_from(["", "1902", "19;2103"]),
    })


def _random_row(columns: list[str]) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({column: CELL for column in columns})


def _huge_row(columns: list[str], plausible) -> st.SearchStrategy[dict]:
    """A plausible row with one huge cell (past the column limit, or the CSV field limit)."""
    return st.tuples(plausible, st.sampled_from(columns), HUGE).map(
        lambda parts: {**parts[0], parts[1]: parts[2]})


def _headers(columns: list[str]) -> st.SearchStrategy[list[str]]:
    return st.one_of(st.just(columns), st.permutations(columns),
                     st.lists(st.sampled_from([*columns, "extra", "", "Supplier_Ref"]),
                              max_size=len(columns) + 2))


def tables(columns: list[str], plausible: st.SearchStrategy[dict]):
    """(header, rows as lists of cells)."""
    def rows_for(header):
        row = st.one_of(plausible, plausible, plausible, _random_row(columns),
                        _huge_row(columns, plausible))
        return st.lists(row, min_size=1, max_size=6).map(
            lambda rows: (header, [[r.get(name, "") for name in header] for r in rows]))

    return _headers(columns).flatmap(rows_for)


def csv_file(table) -> bytes:
    header, rows = table
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


XLSX_VALUES = st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none(),
                        st.datetimes(min_value=datetime(1901, 1, 1)))


def xlsx_file(table, typed: list) -> bytes:
    """The table as a workbook; `typed` puts numbers, dates and booleans in some cells."""
    header, rows = table
    workbook = Workbook()
    sheet = workbook.active
    for number, values in enumerate([header, *rows]):
        cells = [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        if number and typed:
            cells = [typed[(number + i) % len(typed)] if i % 3 == 2 else cell
                     for i, cell in enumerate(cells)]
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c
                      for c in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def garble(data: bytes, cut: int, noise: bytes) -> bytes:
    """Truncate at `cut` and splice in noise: a broken download or a damaged disk."""
    cut = cut % (len(data) + 1)
    return data[:cut] + noise + data[cut + len(noise) * 2:]


def garble_inside(data: bytes, part: str, cut: int, noise: bytes) -> bytes:
    """A sound zip around damaged XML: the workbook opens, its sheet or strings do not parse."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.endswith(part):
                content = garble(content, cut, noise)
            target.writestr(info.filename, content)
    return out.getvalue()


def uploads(columns, plausible):
    """(filename, bytes): random bytes, CSV, XLSX, and garbled versions of both."""
    table = tables(columns, plausible)
    return st.one_of(
        st.tuples(st.sampled_from(["f.csv", "f.xlsx"]), st.binary(max_size=2048)),
        st.tuples(st.just("f.csv"), table.map(csv_file)),
        st.tuples(st.just("f.xlsx"), st.builds(xlsx_file, table, st.lists(XLSX_VALUES,
                                                                           max_size=4))),
        st.tuples(st.just("f.csv"), st.builds(garble, table.map(csv_file), st.integers(0),
                                              st.binary(max_size=8))),
        st.tuples(st.just("f.xlsx"), st.builds(garble, st.builds(xlsx_file, table, st.just([])),
                                               st.integers(0), st.binary(max_size=8))),
        st.tuples(st.just("f.xlsx"), st.builds(
            garble_inside, st.builds(xlsx_file, table, st.just([])),
            st.sampled_from(["sheet1.xml", "workbook.xml", "styles.xml", "[Content_Types].xml",
                             "workbook.xml.rels"]), st.integers(0), st.binary(max_size=8))),
        st.tuples(st.sampled_from(["f.txt", "f", "f.CSV", "f.xls", "../f.csv"]),
                  table.map(csv_file)),
    )


# Found by this fuzzing: a NUL in a cell made PostgreSQL refuse the insert (a 500), and a
# control character made the XLSX export fail. Every run tries them again.
NUL_CATALOGUE = ("f.csv", "supplier_ref,company_name_ko,product_ref,product_name_ko,"
                 "description_ko\nFZ1,퍼즈식품,P1,a\x00b,설명\n".encode())
NUL_BUYERS = ("f.csv", b"buyer_ref,company_name,country,language,interests\n"
              b"FB1,Nul\x00Foods,NZ,en,noodles\n")


# --- Checking the property --------------------------------------------------------------------

def _imported_whole_catalogue(db, data: bytes, name: str) -> None:
    """After a successful import, every row of the file is in the database as written."""
    from app.spreadsheets.tabular import read_table

    table = read_table(io.BytesIO(data), name, max_rows=10_000, max_bytes=10_000_000)
    db.session.expire_all()
    for _number, cells in table.rows:
        product = db.session.scalar(select(Product).join(Company).where(
            Company.supplier_ref == cells["supplier_ref"],
            Product.product_ref == cells["product_ref"]))
        assert product is not None, cells
        assert product.name_ko == cells["product_name_ko"]


def _imported_whole_buyers(db, data: bytes, name: str) -> None:
    from app.spreadsheets.tabular import read_table

    table = read_table(io.BytesIO(data), name, max_rows=10_000, max_bytes=10_000_000)
    db.session.expire_all()
    for _number, cells in table.rows:
        buyer = db.session.scalar(select(Buyer).where(Buyer.buyer_ref == cells["buyer_ref"]))
        assert buyer is not None, cells
        assert buyer.company_name == cells["company_name"], cells


def _count(name: str, imported: bool) -> None:
    key = f"{name}: {'imported' if imported else 'refused'}"
    RUNS[key] = RUNS.get(key, 0) + 1


def _service_property(db, importer, check_whole, upload, name) -> None:
    filename, data = upload
    before = database_state(db.session)
    savepoint = db.session.begin_nested()
    imported = False
    try:
        importer(io.BytesIO(data), filename)
        imported = True
    except (FileRejected, ImportRejected):
        db.session.flush()
        assert database_state(db.session) == before
    else:
        check_whole(db, data, filename)
    finally:
        savepoint.rollback()
    _count(name, imported)


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER)


@FUZZ
@given(upload=uploads(catalogue_transfer.COLUMNS, _plausible_product()))
@example(upload=NUL_CATALOGUE)
def test_catalogue_import_service(db, organiser, upload):
    _service_property(db, lambda stream, name: catalogue_transfer.import_catalogue_file(
        stream, name, organiser), _imported_whole_catalogue, upload, "catalogue service")


@FUZZ
@given(upload=uploads(buyer_transfer.COLUMNS, _plausible_buyer()))
@example(upload=NUL_BUYERS)
def test_buyer_import_service(db, organiser, upload):
    _service_property(db, lambda stream, name: buyer_transfer.import_buyers_file(
        stream, name, organiser), _imported_whole_buyers, upload, "buyer service")


def _web_property(db, client, url, check_whole, upload, name) -> None:
    filename, data = upload
    before = database_state(db.session)
    response = client.post(url, data={"file": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")
    assert response.status_code < 500
    assert response.status_code in (200, 400, 413, 422), response.status_code
    if response.status_code == 200:
        check_whole(db, data, filename)
    else:
        assert database_state(db.session) == before
    _count(name, response.status_code == 200)


@FUZZ
@given(upload=uploads(catalogue_transfer.COLUMNS, _plausible_product()))
@example(upload=NUL_CATALOGUE)
def test_catalogue_upload_as_organiser(db, client, login, organiser, upload):
    login(organiser)
    _web_property(db, client, "/catalogue/import", _imported_whole_catalogue, upload,
                  "catalogue web, organiser")


@FUZZ
@given(upload=uploads(catalogue_transfer.COLUMNS, _plausible_product()))
def test_catalogue_upload_as_supplier(db, client, login, make_user, make_company, upload):
    company = db.session.scalar(select(Company).where(Company.supplier_ref == "FZ1")) \
        or make_company(supplier_ref="FZ1", name_ko="퍼즈식품")
    login(make_user(Role.SUPPLIER, company=company))
    _web_property(db, client, f"/companies/{company.id}/import", _imported_whole_catalogue,
                  upload, "catalogue web, supplier")


@FUZZ
@given(upload=uploads(buyer_transfer.COLUMNS, _plausible_buyer()))
@example(upload=NUL_BUYERS)
def test_buyer_upload_as_organiser(db, client, login, organiser, upload):
    login(organiser)
    _web_property(db, client, "/buyers/import", _imported_whole_buyers, upload,
                  "buyers web, organiser")


def test_zz_report_examples():
    """Runs last in this module: the example counts of the tests above."""
    for name, count in sorted(RUNS.items()):
        print(f"fuzz: {name}: {count} examples")
