"""How CSV files arrive: UTF-8 (with or without a byte-order mark) or, from Korean Excel's
plain "CSV", CP949 (a superset of EUC-KR); separated by commas or, where the decimal separator
is a comma, by semicolons (or tabs). Read each as it is and say which encoding was read."""

import csv
import io

from app.i18n import _

DELIMITERS = (",", ";", "\t")
KOREAN_ENCODING = "cp949"  # EUC-KR plus the Hangul syllables Windows adds


def decode(data: bytes) -> tuple[str, str | None]:
    """The text, and a note for the reader when it was not UTF-8; UnicodeDecodeError (of the
    UTF-8 attempt) when it is neither."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode(KOREAN_ENCODING)
        except UnicodeDecodeError:
            raise utf8_error from None
        if not any("\uac00" <= ch <= "\ud7a3" for ch in text):
            raise utf8_error from None  # bytes that only happen to decode: not Korean text
        return text, _("The file was read as Korean text (CP949/EUC-KR), as Korean Excel saves "
                       "CSV files. Check the names below; \"CSV UTF-8\" avoids the question.")


def delimiter(text: str) -> str:
    """The separator of the header row: the one of DELIMITERS that splits it most."""
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    counts = {sep: len(next(csv.reader(io.StringIO(first), delimiter=sep), []))
              for sep in DELIMITERS}
    best = max(DELIMITERS, key=lambda sep: counts[sep])  # ties keep the comma (first)
    return best if counts[best] > 1 else ","
