"""Read a contact list: sniff its encoding and delimiter, map its columns to fields, yield its rows.

- Encoding: a byte-order mark decides (UTF-8 or UTF-16); without one, UTF-8
  when the bytes are valid UTF-8, else Windows-1252 (what Excel writes on
  Windows). A file with NUL bytes or many control characters is not text: it
  is refused, naming the likely format (an Excel workbook, a PDF).
- Delimiter: comma, semicolon or tab, whichever reads the header into the
  most columns with an email column among them; Excel's ``sep=;`` first line
  is honoured; ``delimiter`` overrides.
- Columns: the header's names compared without case, spaces or punctuation
  against the fields' names and common synonyms (``E-mail``, ``Full name``,
  ``Company name``, ``Job title``, ``Phone number``); ``mapping``
  (``{header: field or "ignore"}``) overrides. Unknown columns are ignored and
  listed, never a reason to refuse the file. Only a missing email column is.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

FIELDS = ("email", "name", "first_name", "last_name", "title", "company", "phone", "owner")
IGNORE = "ignore"
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}

_SYNONYMS = {
    "email": (
        "email emailaddress mail mailaddress primaryemail workemail businessemail email1 email1value emailaddress1 "
        "emailadresse courriel adressemail adresseemail correo correoelectronico"
    ),
    "name": "name fullname contactname displayname contact person nom nombre",
    "first_name": "firstname givenname forename vorname prenom",
    "last_name": "lastname surname familyname nachname",
    "title": "title jobtitle position role jobrole",
    "company": "company companyname organization organisation organizationname account accountname employer firma",
    "phone": "phone phonenumber telephone tel mobile mobilephone mobilenumber workphone businessphone phone1value",
    "owner": "owner owneremail contactowner assignedto",
}
_BY_KEY = {key: name for name, words in _SYNONYMS.items() for key in words.split()}
_NOT_TEXT = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one): save the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls): save the sheet as CSV"),
    (b"%PDF", "a PDF document"),
)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not text, empty, no email column, a mapping that names no column)."""


@dataclass
class Source:
    """A decoded file and how its columns are read."""

    text: str
    encoding: str  # as shown to a person: "UTF-8", "UTF-8 with BOM", "UTF-16 with BOM", "Windows-1252"
    delimiter: str
    delimiter_how: str  # "sniffed", "sep= line", "given"
    header: list
    columns: dict  # column index -> field
    ignored: list = field(default_factory=list)  # header names not imported
    skip_lines: int = 0  # a sep= line before the header
    rows_total: int = 0

    @property
    def delimiter_name(self):
        return DELIMITERS.get(self.delimiter, repr(self.delimiter))

    def describe(self):
        """One line for a person: encoding, delimiter and row count."""
        return f"{self.encoding}, {self.delimiter_name}-separated ({self.delimiter_how}), {self.rows_total} row(s)"

    def mapping_lines(self):
        """The columns read and the columns ignored, as written in the header."""
        read = ", ".join(f"{self.header[i]} -> {f}" for i, f in sorted(self.columns.items()))
        lines = [f"Columns: {read}"]
        if self.ignored:
            lines.append(f"Ignored column(s): {', '.join(self.ignored)} (use --map HEADER=FIELD to import one; fields: {', '.join(FIELDS)})")
        return lines


def header_key(name):
    """A header name as it compares: case-folded, only letters and digits."""
    return re.sub(r"[\W_]+", "", name.casefold())


def decode(data):
    """Return (text, encoding shown to a person), or raise ImportFileError for a file that is not text."""
    if not data or not data.strip():
        raise ImportFileError("The file is empty: expected a header row with an email column, then one contact a row.")
    for bom, codec, shown in (
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 with BOM"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 with BOM"),
    ):
        if data.startswith(bom):
            try:
                return _text(data.decode(codec), data), shown
            except UnicodeDecodeError:
                raise ImportFileError(f"The file starts with a {shown[:-9]} byte-order mark but is not {shown[:-9]} text.") from None
    try:
        return _text(data.decode("utf-8"), data), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return _text(data.decode("cp1252"), data), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(_not_text(data)) from None


def _text(text, data):
    controls = sum(1 for c in text[:65536] if c < " " and c not in "\t\r\n")
    if "\x00" in text or controls > max(2, len(text[:65536]) // 100):
        raise ImportFileError(_not_text(data))
    return text


def _not_text(data):
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            return f"This is not a CSV file: it looks like {what}."
    return "This is not a CSV text file (it has binary content). Save the contact list as CSV (UTF-8) and try again."


def read_source(data, delimiter=None, mapping=None):
    """Decode ``data`` (bytes) and read its header; return a Source or raise ImportFileError."""
    text, encoding = decode(data)
    lines = text.splitlines()
    skip, how = 0, "given" if delimiter else "sniffed"
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportFileError("The file is empty: expected a header row with an email column, then one contact a row.")
    sep = re.fullmatch(r'"?sep=(.)"?,*', lines[first].strip())
    if sep:
        skip, delimiter, how = first + 1, delimiter or sep.group(1), how if delimiter else "sep= line"
    header_line = next((line for line in lines[skip:] if line.strip()), "")
    if not delimiter:
        delimiter = _sniff_delimiter(header_line, mapping)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
    columns, ignored = map_columns(header, mapping or {})
    if "email" not in columns.values():
        raise ImportFileError(_no_email_column(header, delimiter, header_line))
    source = Source(text, encoding, delimiter, how, header, columns, ignored, skip)
    source.rows_total = _count_rows(source)
    return source


def _count_rows(source):
    """The number of rows ``rows`` will yield, without building them."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.delimiter)
    count, previous_end = 0, 0
    for cells in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if start > source.skip_lines and "".join(cells).strip():
            count += 1
    return max(count - 1, 0)  # the header


def _sniff_delimiter(header_line, mapping):
    """The delimiter that reads the header into an email column and the most columns."""

    def score(candidate):
        header = [h.strip() for h in next(csv.reader([header_line], delimiter=candidate), [])]
        try:
            columns, _ = map_columns(header, mapping or {}, strict=False)
        except ImportFileError:
            columns = {}
        return ("email" in columns.values(), len(header))

    return max(DELIMITERS, key=score)  # ties keep the first: comma


def _no_email_column(header, delimiter, header_line):
    shown = ", ".join(f"'{h}'" for h in header) or "nothing"
    others = [name for d, name in DELIMITERS.items() if d != delimiter and d in header_line]
    hint = f" The header also has {' and '.join(others)}s: give --delimiter if the file is separated by one of them." if others else ""
    return (
        f"No email column: the header ({DELIMITERS.get(delimiter, delimiter)}-separated) has {shown}. Name the column 'email' or give --map HEADER=email.{hint}"
    )


def map_columns(header, mapping, strict=True):
    """Return ({column index: field}, [ignored header names]) for a header; ``mapping`` wins over names."""
    wanted = {header_key(k): v for k, v in mapping.items()}
    for name, target in mapping.items():
        if target != IGNORE and target not in FIELDS:
            raise ImportFileError(f"--map {name}={target}: '{target}' is not a field; fields are {', '.join(FIELDS)} (or 'ignore').")
        if strict and header_key(name) not in {header_key(h) for h in header}:
            raise ImportFileError(f"--map {name}={target}: the header has no column '{name}'; it has {', '.join(header) or 'nothing'}.")
    columns = {}
    # Columns --map names first, so a mapped column wins over one that is only named like a field.
    for explicit in (True, False):
        for index, name in enumerate(header):
            key = header_key(name)
            target = wanted.get(key) if explicit else None if key in wanted else _BY_KEY.get(key)
            if target not in (None, IGNORE) and target not in columns.values():
                columns[index] = target
    ignored = [name for index, name in enumerate(header) if index not in columns and name]
    return dict(sorted(columns.items())), ignored


def rows(source):
    """Yield (line number, {field: value}, [cells as read]) for each non-blank row after the header."""
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.delimiter)
    seen_header, previous_end = False, 0
    for cells in reader:
        start, previous_end = previous_end + 1, reader.line_num
        if start <= source.skip_lines or not "".join(cells).strip():
            continue
        if not seen_header:
            seen_header = True
            continue
        values = {f: cells[i].strip() for i, f in source.columns.items() if i < len(cells)}
        yield start, values, cells
