"""Bad letter inputs for tests: each function writes one into `folder` and returns its path.

Reused by the letter, segment-CLI and scoring tests. All content is made up here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from pdfs import text_to_pdf

PASSWORD = "secret"

# A short made-up letter in the issues_decisions layout (no real letter text).
SMALL_LETTER = """Case Number: CM99-0000001
IMR ISSUES, DECISIONS AND RATIONALES
Eight sessions of aquatic therapy for the left knee: Upheld
Decision rationale: The notes do not describe any gain in walking distance after the earlier
sessions, so further sessions are not medically necessary.
"""

_NON_IMR_TEXT = """How to keep a sourdough starter alive

Feed the starter once a day with equal weights of flour and water. Keep it in a glass jar with
a loose lid, somewhere warm but out of direct sunlight. If a grey liquid forms on top, pour it
off and feed the starter a little more often. Before baking, wait until it has doubled in size
and smells pleasantly sour; a spoonful dropped into water should float.
"""


def empty_file(folder: Path) -> Path:
    """A zero-byte .txt file."""
    path = folder / "empty.txt"
    path.write_bytes(b"")
    return path


def binary_junk(folder: Path) -> Path:
    """Random bytes (NULs included) in a file named like a text letter."""
    path = folder / "junk.txt"
    path.write_bytes(random.Random(0).randbytes(4096))
    return path


def corrupt_pdf(folder: Path) -> Path:
    """A real PDF header followed by a truncated, garbled body."""
    path = folder / "corrupt.pdf"
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    path.write_bytes(body + random.Random(1).randbytes(300) + b"\n2 0 obj\n<< /Type /Pa")
    return path


def encrypted_pdf(folder: Path) -> Path:
    """A letter PDF that needs the password PASSWORD to open."""
    return text_to_pdf(SMALL_LETTER, folder / "encrypted.pdf", password=PASSWORD)


def scanned_pdf(folder: Path) -> Path:
    """A PDF without a text layer (an image-only page, as a scan would be)."""
    from reportlab.pdfgen.canvas import Canvas

    path = folder / "scanned.pdf"
    canvas = Canvas(str(path), invariant=True)
    canvas.rect(72, 72, 300, 400, fill=1)
    canvas.showPage()
    canvas.save()
    return path


def non_imr_text(folder: Path) -> Path:
    """A readable plain English text that is not an IMR letter."""
    path = folder / "sourdough.txt"
    path.write_text(_NON_IMR_TEXT, encoding="utf-8")
    return path


def huge_letter(folder: Path) -> Path:
    """A ~5 MB .txt letter, far over the default size limit."""
    path = folder / "huge.txt"
    repeats = 5_000_000 // len(SMALL_LETTER) + 1
    path.write_text(SMALL_LETTER * repeats, encoding="utf-8")
    return path


def unreadable_file(folder: Path) -> Path:
    """A dangling symlink named like a letter (chmod 000 does not stop root, who runs CI)."""
    path = folder / "gone.txt"
    path.symlink_to(folder / "missing-target.txt")
    return path


BAD_INPUTS: dict[str, Callable[[Path], Path]] = {
    "empty_file": empty_file,
    "binary_junk": binary_junk,
    "corrupt_pdf": corrupt_pdf,
    "encrypted_pdf": encrypted_pdf,
    "scanned_pdf": scanned_pdf,
    "non_imr_text": non_imr_text,
    "huge_letter": huge_letter,
    "unreadable_file": unreadable_file,
}


def write_all(folder: Path) -> dict[str, Path]:
    """Write every bad input into `folder`; map function name to path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: make(folder) for name, make in BAD_INPUTS.items()}
