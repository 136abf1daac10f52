"""CSV and TSV (the standard library's csv): each row becomes one self-contained line,
``header: value; header: value``, so a passage cut anywhere still says what each value is.
"""

from __future__ import annotations

import csv
import io

from desktop.core.ingest.document import Document, Section
from desktop.core.ingest.readers.base import ReadError, one_line
from desktop.core.ingest.readers.text import decode_text

_SNIFF_CHARS = 64 * 1024


def _is_number(value: str) -> bool:
    try:
        float(value.replace(",", "."))
    except ValueError:
        return False
    return True


def _dialect(text: str, tab: bool) -> type[csv.Dialect] | csv.Dialect:
    if tab:
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel  # one column, or nothing to tell by: commas


def read_csv(path: str, data: bytes) -> Document:
    """Rows as ``header: value; ...`` lines; the dialect (separator, quoting) is sniffed.

    The first row is the header unless it holds a number; empty values are left out.
    """
    tab = path.lower().endswith((".tsv", ".tab"))
    kind = "TSV" if tab else "CSV"
    text = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, tab))
    try:
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ReadError(f"malformed {kind}: line {reader.line_num}: {exc}") from exc
    if not rows:
        raise ReadError(f"empty {kind} (no rows)")
    if any(_is_number(cell.strip()) for cell in rows[0] if cell.strip()):
        header: list[str] = []
    else:
        header = [one_line(cell) for cell in rows.pop(0)]
        if not rows:
            raise ReadError(f"empty {kind}: a header row and no data rows")
    lines = []
    for row in rows:
        pairs = []
        for i, cell in enumerate(row):
            value = one_line(cell)
            if value:
                name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
                pairs.append(f"{name}: {value}")
        lines.append("; ".join(pairs))
    body = "\n".join(lines) + "\n"
    return Document(path, body, [Section(0, len(body) - 1)])
