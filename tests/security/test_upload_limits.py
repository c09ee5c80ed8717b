"""Uploads past the limits, and the damaged files the fuzzing found: refused with a translated
message, nothing written, never a server error."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from app.auth.models import Role
from app.catalogue.transfer import COLUMNS
from app.spreadsheets.tabular import MAX_UNPACKED_BYTES, FileRejected, read_table
from tests.security.helpers import database_state

ROW = ["FZ1", "퍼즈식품", "", "", "P1", "쌀국수", "", "설명", "", "", "", "", "", ""]


def workbook_bytes(rows) -> bytes:
    workbook = Workbook()
    for values in [COLUMNS, *rows]:
        workbook.active.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, extra_zeros: int = 0) -> bytes:
    """The workbook's parts again, some replaced, plus an entry of `extra_zeros` zero bytes
    (deflate packs 100 MB of them into about 100 KB)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, (replace or {}).get(info.filename,
                                                               source.read(info.filename)))
        if extra_zeros:
            with target.open("xl/media/padding.bin", "w", force_zip64=True) as padding:
                chunk = bytes(1024 * 1024)
                for _megabyte in range(extra_zeros // len(chunk)):
                    padding.write(chunk)
    return out.getvalue()


ENTITIES = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">' + ENTITIES + ']>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
).encode()


def read(data: bytes, name: str = "f.xlsx"):
    return read_table(io.BytesIO(data), name, max_rows=1000, max_bytes=5 * 1024 * 1024)


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = rezip(workbook_bytes([ROW]), extra_zeros=MAX_UNPACKED_BYTES + 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(FileRejected) as refused:
        read(bomb)
    assert "unpacks to more than 100 MB" in refused.value.text()


@pytest.mark.parametrize(("part", "content"), [
    ("xl/worksheets/sheet1.xml", BILLION_LAUGHS),
    ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c><v>1</v></c>"),
    ("xl/workbook.xml", b"not xml at all"),
    ("xl/styles.xml", b"\x00\x01\x02"),
])
def test_damaged_parts_of_a_workbook_are_refused(part, content):
    with pytest.raises(FileRejected) as refused:
        read(rezip(workbook_bytes([ROW]), {part: content}))
    assert "not a valid Excel workbook" in refused.value.text()


def test_a_workbook_without_sheets_is_refused():
    data = workbook_bytes([ROW])
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if "sheet" not in info.filename:
                target.writestr(info.filename, source.read(info.filename))
    with pytest.raises(FileRejected):
        read(out.getvalue())


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x0b"])
def test_control_characters_in_a_cell_are_refused_by_row_and_column(character):
    header = ",".join(COLUMNS[:8])
    csv = f"{header}\nFZ1,퍼즈식품,,,P1,쌀{character}국수,,설명\n".encode()
    with pytest.raises(FileRejected) as refused:
        read(csv, "f.csv")
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "product_name_ko")
    assert "control character" in problem.message


def test_tabs_and_line_breaks_are_still_welcome():
    header = ",".join(COLUMNS[:8])
    csv = f'{header}\nFZ1,퍼즈식품,,,P1,쌀국수,,"첫 줄\n둘째\t줄"\n'.encode()
    assert read(csv, "f.csv").rows[0][1]["description_ko"] == "첫 줄\n둘째\t줄"


def test_export_of_a_name_typed_with_a_control_character(client, login, make_user,
                                                         make_company, make_product):
    company = make_company(name_ko="제어\x01문자")
    make_product(company, name_ko="쌀\x1b국수")
    login(make_user(Role.ORGANISER))
    response = client.get("/catalogue/export.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[2]][1] == "제어문자"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_zip_bomb_through_the_web_changes_nothing(db, client, login, make_user, language):
    login(make_user(Role.ORGANISER, locale=language))
    before = database_state(db.session)
    bomb = rezip(workbook_bytes([ROW]), extra_zeros=MAX_UNPACKED_BYTES + 1024 * 1024)
    response = client.post("/catalogue/import", data={"file": (io.BytesIO(bomb), "big.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert {"en": "unpacks to more than 100 MB", "ko": "100MB"}[language] in response.text
    assert database_state(db.session) == before


def test_an_upload_over_the_request_limit_gets_the_413_page(db, client, login, make_user, app,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    login(make_user(Role.ORGANISER, locale="ko"))
    before = database_state(db.session)
    response = client.post("/catalogue/import",
                           data={"file": (io.BytesIO(b"x" * 100 * 1024), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "파일" in response.text
    assert database_state(db.session) == before


def test_too_many_rows_in_a_small_workbook(db, app, monkeypatch):
    rows = [[f"FZ{n}", "회사", "", "", f"P{n}", "제품", "", "설명"] for n in range(300)]
    with pytest.raises(FileRejected) as refused:
        read_table(io.BytesIO(workbook_bytes(rows)), "f.xlsx", max_rows=100,
                   max_bytes=5 * 1024 * 1024)
    assert "more than 100 rows" in refused.value.text()
