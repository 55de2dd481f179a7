"""Render a plain-text letter to a simple PDF, for tests and benchmarks.

Needs the dev extra: reportlab (rendering) and pypdf (encryption); both are imported inside
the function so that the runtime package does not depend on them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

_CASE_HEADER = re.compile(r"\s*Case Number:\s*\S")
_FONT, _SIZE, _LEADING, _MARGIN = "Helvetica", 10, 12, 72


def text_to_pdf(text: str, path: str | Path, *, password: str | None = None) -> Path:
    """Write `text` as a Letter-size PDF with "Page N of M" footers and return its path.

    Long lines are wrapped. When the first line reads "Case Number: ...", it is repeated as
    a header at the top of every later page, as on real letters. With `password`, the PDF
    is encrypted with pypdf (AES-256 when `cryptography` is importable, else RC4-128).
    Requires the dev extra (reportlab, pypdf).
    """
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    width, height = letter
    lines = [
        wrapped
        for line in text.splitlines()
        for wrapped in simpleSplit(line, _FONT, _SIZE, width - 2 * _MARGIN) or [""]
    ]
    first_line = lines[0] if lines else ""
    header = first_line.strip() if _CASE_HEADER.match(first_line) else None
    per_page = int((height - 2 * _MARGIN) // _LEADING)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=True)
    for number, page_lines in enumerate(pages, start=1):
        canvas.setFont(_FONT, _SIZE)
        if header and number > 1:
            canvas.drawString(_MARGIN, height - _MARGIN / 2, header)
        y = height - _MARGIN
        for line in page_lines:
            canvas.drawString(_MARGIN, y, line)
            y -= _LEADING
        canvas.drawCentredString(width / 2, _MARGIN / 2, f"Page {number} of {len(pages)}")
        canvas.showPage()
    canvas.save()

    path = Path(path)
    path.write_bytes(_encrypt(buffer.getvalue(), password) if password else buffer.getvalue())
    return path


def _encrypt(pdf: bytes, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    try:
        import cryptography  # noqa: F401  (pypdf needs it for AES)

        algorithm = "AES-256"
    except ImportError:
        algorithm = "RC4-128"
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
