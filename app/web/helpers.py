"""Small helpers the views share."""

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Response, render_template, request, url_for

from app.extensions import db
from app.spreadsheets.importing import ImportRejected
from app.spreadsheets.tabular import FileRejected
from app.urls import same_origin_path
from app.web.forms import UploadForm


def safe_next(target: str | None, fallback: str = "main.index") -> str:
    """`target` if it stays on this site (a path), else the fallback page: no open redirects."""
    return same_origin_path(target) or url_for(fallback)


def back_or(fallback: str = "main.index") -> str:
    """The page the visitor came from (its Referer) if it is on this site, else the fallback."""
    referrer = request.referrer
    try:
        parts = urlsplit(referrer) if referrer else None
    except ValueError:
        parts = None
    if parts is not None and parts.netloc == request.host:
        return safe_next(parts.path + ("?" + parts.query if parts.query else ""), fallback)
    return url_for(fallback)


SPREADSHEET_TYPES = {"csv": "text/csv; charset=utf-8",
                     "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def spreadsheet_download(data: bytes, file_format: str, name: str) -> Response:
    """A CSV or XLSX file as an attachment named `name.file_format`."""
    # content_type as it is: `mimetype=` would add a second "; charset=utf-8".
    return Response(data, content_type=SPREADSHEET_TYPES[file_format], headers={
        "Content-Disposition": f'attachment; filename="{name}.{file_format}"'})


def upload_import_page(template: str, importer: Callable, **context):
    """The shared import page: run `importer(stream, filename)` on a valid upload and commit,
    or roll back and list the problems row by row (422); 400 for an invalid form."""

    form = UploadForm()
    report = problems = None
    status = 200
    if form.validate_on_submit():
        try:
            report = importer(form.file.data.stream, form.file.data.filename)
            db.session.commit()
        except ImportRejected as error:
            db.session.rollback()
            problems, status = error.report.problems, 422
        except FileRejected as error:
            db.session.rollback()
            problems, status = error.problems, 422
    elif form.is_submitted():
        status = 400
    return render_template(template, form=form, report=report, problems=problems,
                           **context), status
