"""Read IMR letters from .txt and .pdf files into clean, normalised text.

This module knows nothing of segmentation or models. It never prints or logs letter text:
errors name the file and the problem, never the content.
"""

from __future__ import annotations

import codecs
import glob
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from imr_ml.errors import LetterError

DEFAULT_MAX_BYTES = 2_000_000
# Characters of normalised text in one letter: spaCy's `nlp.max_length` (its default), the
# most one Doc may hold. A 40 KB PDF can extract to more.
MAX_CHARS = 1_000_000
LETTER_SUFFIXES = (".txt", ".pdf")


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter: its id (file stem), source path, normalised text and raw extracted text."""

    letter_id: str
    source: str
    text: str = field(repr=False)
    raw_text: str = field(repr=False)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def read_letter(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Letter:
    """Read one .txt or .pdf letter; raise LetterError for every input that is not one."""
    path = Path(path)
    check_file(path, max_bytes=max_bytes)
    return letter_from_bytes(_read_bytes(path, source_name(path)), path, max_bytes=max_bytes)


def check_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """The size of `path`; LetterError unless it is a regular .txt or .pdf file of at most
    `max_bytes`: what can be told of a letter file without reading it."""
    path = Path(path)
    source = source_name(path)
    size = _regular_file_size(path, source)
    _check_name_and_size(path, source, size, max_bytes)
    return size


def letter_from_bytes(
    data: bytes, path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Letter:
    """The letter in `data`, the contents of the .txt or .pdf file at `path` (which gives
    the letter's id, source and type; it is not read); LetterError for bytes that hold none.
    """
    path = Path(path)
    source = source_name(path)
    _check_name_and_size(path, source, len(data), max_bytes)
    suffix = path.suffix.lower()
    if not data.strip():
        raise LetterError(source, "empty", "file is empty")
    raw = _pdf_text(data, source) if suffix == ".pdf" else _decode_text(data, source)
    try:
        return letter_from_text(raw, source_name(path.stem), source)
    except LetterError as err:
        if err.problem == "empty" and suffix == ".pdf":
            raise LetterError(
                source, "no_text", "PDF has no text layer (scanned image?); OCR it first"
            ) from None
        raise


def letter_from_text(raw: str, letter_id: str, source: str) -> Letter:
    """A letter of text already read (a file's, or a table cell's), normalised; LetterError
    where nothing is left of it or more than `MAX_CHARS`."""
    text = normalise(raw)
    if not text:
        raise LetterError(source, "empty", "holds only whitespace")
    if len(text) > MAX_CHARS:
        raise LetterError(source, "too_long", f"text is {len(text):,} characters, over the "
                          f"limit of {MAX_CHARS:,} for one letter; split it")
    return Letter(letter_id=letter_id, source=source, text=text, raw_text=raw)


def _check_name_and_size(path: Path, source: str, size: int, max_bytes: int) -> None:
    if path.suffix.lower() not in LETTER_SUFFIXES:
        kind = f"'{path.suffix}'" if path.suffix else "a file without extension"
        raise LetterError(
            source, "unsupported", f"unsupported file type ({kind}); expected .txt or .pdf"
        )
    if size > max_bytes:
        raise LetterError(
            source,
            "too_large",
            f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes for one letter; "
            "if it really is one letter, raise the limit (--max-bytes)",
        )


def source_name(path: str | Path) -> str:
    """`path` as text that any file takes: bytes of a file name that are not UTF-8 (which
    Python keeps as lone surrogates, refused by UTF-8 writers) become "\\xNN"."""
    name = os.fspath(path)
    if name.isascii():
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def input_key(path: str | Path) -> str:
    """What identifies an input file: its resolved path (symbolic links followed), as
    `source_name` writes it; the same file reached by two paths has one key."""
    return source_name(os.path.realpath(path))


def _regular_file_size(path: Path, source: str) -> int:
    """Size of the regular file at `path` (following symlinks), or LetterError."""
    try:
        info = path.stat()
    except FileNotFoundError as err:
        if path.is_symlink():
            message = f"broken symbolic link to {path.readlink()} ({err.strerror})"
            raise LetterError(source, "unreadable", message) from None
        raise LetterError(source, "not_found", f"not found ({err.strerror})") from None
    except OSError as err:
        raise LetterError(source, "unreadable", f"cannot read file ({err.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        try:
            os.scandir(path).close()
        except OSError as err:
            message = f"cannot list folder ({err.strerror})"
            raise LetterError(source, "unreadable", message) from None
        if _letters_in(path)[0]:
            raise LetterError(source, "unreadable", "is a folder, not a letter file")
        raise LetterError(source, "no_letters", "a folder with no .txt or .pdf letters in it")
    if not stat.S_ISREG(info.st_mode):
        raise LetterError(source, "unreadable", "not a regular file")
    return info.st_size


def _read_bytes(path: Path, source: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise LetterError(source, "unreadable", f"cannot read file ({err.strerror})") from None


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_SHARE = 0.01


def _decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (BOM stripped) or UTF-16 with BOM, else CP1252, else latin-1."""
    if data.startswith(b"%PDF-"):
        raise LetterError(source, "binary", "this is a PDF file named .txt; rename it to .pdf")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise LetterError(source, "binary", "binary data (NUL bytes), not a text letter")
    else:
        text = _decode_8bit(data.removeprefix(codecs.BOM_UTF8))
    if len(_CONTROL_CHARS.findall(text)) > _MAX_CONTROL_SHARE * len(text):
        raise LetterError(source, "binary", "binary data (control characters), not a text letter")
    return text


def _decode_8bit(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _pdf_text(data: bytes, source: str) -> str:
    """Text of all pages, joined with "\\n" (pdfium's raw output, e.g. CRLF line ends)."""
    if b"%PDF-" not in data[:1024]:
        raise LetterError(source, "not_pdf", "not a PDF file (no %PDF header)")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if err.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise LetterError(
                source, "encrypted_pdf", "encrypted PDF (password required); decrypt it first"
            ) from None
        raise _corrupt_pdf(source) from None
    try:
        if len(pdf) == 0:
            raise _corrupt_pdf(source)
        return "\n".join(_page_text(page) for page in pdf)
    except pdfium.PdfiumError:
        raise _corrupt_pdf(source) from None
    finally:
        pdf.close()


def _corrupt_pdf(source: str) -> LetterError:
    message = "damaged or truncated PDF (pdfium cannot parse it); re-download or re-export it"
    return LetterError(source, "corrupt_pdf", message)


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()
        page.close()


# ---------------------------------------------------------------------------------------------
# Inputs: files, folders, globs
# ---------------------------------------------------------------------------------------------

_GLOB_MAGIC = re.compile(r"[*?[]")


def iter_paths(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Expand files, folders (recursive .txt/.pdf, hidden names skipped) and glob patterns.

    Output is sorted within each input. An input that matches nothing, a folder without
    letters and a folder that cannot be listed are yielded as they are, so that read_letter
    reports them instead of them silently vanishing. A file reached again (listed twice, or
    by another path to it: `input_key`) is yielded once, where it is first reached.
    """
    seen: set[str] = set()
    for path in _expanded(inputs):
        key = input_key(path)
        if key not in seen:
            seen.add(key)
            yield path


def _expanded(inputs: Iterable[str | Path]) -> Iterator[Path]:
    for item in inputs:
        path = Path(item)
        if _is_dir(path):
            found, unlisted = _letters_in(path)
            yield from map(Path, found) if found or unlisted else (path,)
            yield from map(Path, unlisted)
        elif not _exists(path) and _GLOB_MAGIC.search(str(item)):
            matches = sorted(
                m for m in glob.glob(str(item), recursive=True) if not Path(m).is_dir()
            )
            yield from (Path(m) for m in matches) if matches else (path,)
        else:
            yield path


def _is_dir(path: Path) -> bool:
    """A folder; False where that cannot be told (read_letter then says why)."""
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def _exists(path: Path) -> bool:
    """Something (a dangling symbolic link too) is there, or may be (cannot be told)."""
    try:
        path.lstat()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def _letters_in(folder: Path) -> tuple[list[str], list[str]]:
    """The folder's letters in the order of their sorted Paths, as strings (sorted Path
    objects take about 20 MB more than the strings for 50,000 files, tracemalloc), and the
    folders under it that could not be listed."""
    found: list[str] = []
    unlisted: list[str] = []
    for root, dirs, files in os.walk(folder, onerror=lambda err: unlisted.append(err.filename)):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(root, name) for name in files
                     if not name.startswith(".")
                     and os.path.splitext(name)[1].lower() in LETTER_SUFFIXES)
    found.sort(key=lambda name: name.split(os.sep))  # as Paths sort: part by part
    return found, sorted(unlisted)


def iter_letters(
    inputs: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Letter | LetterError]:
    """Read every input path; a bad file yields its LetterError instead of raising."""
    for path in iter_paths(inputs):
        try:
            yield read_letter(path, max_bytes=max_bytes)
        except LetterError as err:
            yield err


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

_CHAR_REPLACEMENTS: dict[str, str] = {
    **dict.fromkeys("\r\f\v\x85\u2028\u2029", "\n"),
    **dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
    **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    **dict.fromkeys("\u00ad\u200b\u200c\u200d\u2060\ufeff", ""),
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\ufffe": "-\n",  # pdfium's mark for a hyphen at a line break (it drops the break)
}
_ASCII_TABLE = str.maketrans({k: v for k, v in _CHAR_REPLACEMENTS.items() if k.isascii()})
_ODD_CHAR = re.compile("[" + re.escape("".join(_CHAR_REPLACEMENTS)) + "]")
_MULTI_SPACE = re.compile("   *")  # two spaces or more; the literal prefix makes it fast
# Line-based patterns start with their line's "\n" (a literal prefix keeps them fast), so they
# run on "\n" + text; removing a match removes the line and the line break before it.
_PAGE_LINE = re.compile(r"\n(?:(?:Page|PAGE) \d+(?: (?:of|OF) \d+)?|- ?\d+ ?-)(?=\n|\Z)")
_CASE_LINE = re.compile(
    r"\n(?:(?:IMR )?Case (?:Number|No\.?|#) ?:? ?)?([A-Z]{2}\d{2}-\d{4,8})(?=\n|\Z)", re.IGNORECASE
)
_LINE_GAP = re.compile(r"\n\n(?<!\n\n\n)\n?(?!\n)")  # a run of exactly 2 or 3 newlines
_PARAGRAPH_GAP = re.compile(r"\n{4,}")
_THREE_OR_MORE_NEWLINES = re.compile(r"\n{3,}")
_MID_SENTENCE_BREAK = re.compile(r"\n\n(?<=[a-z,;-]\n\n)(?=[a-z])")
_HYPHEN_BREAK = re.compile(r"-\n(?<=\w-\n)(?=\w)")
_PLAIN_WORD = re.compile(r"[A-Za-z]+[a-z]")


def normalise(text: str) -> str:
    """Clean PDF-extraction artefacts; deterministic and idempotent.

    Line ends become "\\n"; odd spaces, tabs and runs of spaces become one space; lines are
    stripped. Page furniture is dropped: "Page 2 of 4" and "- 2 -" lines, and lines holding
    just a case number (with or without "Case Number:") when it appeared earlier in the text.
    Double-spaced text (a blank line after every line) is collapsed; paragraphs are separated
    by one blank line, except that a blank line inside a sentence (lowercase on both sides)
    becomes a line break. "exami-\\nnation" is joined, while other words broken after a hyphen
    keep it ("11-21-\\n2016" -> "11-21-2016"). Curly quotes, dashes and ligatures become
    ASCII; soft hyphens and zero-width characters go. Words are not otherwise changed.
    """
    text = _map_chars(text.replace("\r\n", "\n"))
    if "  " in text:
        text = _MULTI_SPACE.sub(" ", text)
    text = text.replace(" \n", "\n").replace("\n ", "\n").strip(" \n")
    text = _MID_SENTENCE_BREAK.sub("\n", _collapse_blank_lines(_drop_furniture(text)))
    text, joins = _HYPHEN_BREAK.subn(_mend_hyphen_break, text)
    text = text.strip("\n")
    if joins and _has_furniture(text):  # a joined word completed a furniture line: go again
        return normalise(text)
    return text


def _map_chars(text: str) -> str:
    """Apply _CHAR_REPLACEMENTS (str.translate is fast on ASCII text only, a regex elsewhere)."""
    if text.isascii():
        return text.translate(_ASCII_TABLE)
    return _ODD_CHAR.sub(lambda match: _CHAR_REPLACEMENTS[match[0]], text)


def _drop_furniture(text: str) -> str:
    """Drop page-number lines, and case-number lines whose number appeared earlier."""
    return _CASE_LINE.sub(_drop_if_repeated, _PAGE_LINE.sub("", "\n" + text))[1:]


def _drop_if_repeated(match: re.Match[str]) -> str:
    return "" if _is_repeated(match) else match[0]


def _is_repeated(case_line: re.Match[str]) -> bool:
    """The line's case number occurs earlier in the text (a header line, or inline)."""
    return case_line.string.find(case_line[1], 0, case_line.start()) >= 0


def _has_furniture(text: str) -> bool:
    text = "\n" + text
    return _PAGE_LINE.search(text) is not None or any(
        _is_repeated(match) for match in _CASE_LINE.finditer(text)
    )


def _collapse_blank_lines(text: str) -> str:
    """Halve newline runs of double-spaced text; elsewhere cap runs at two newlines."""
    if "\n\n\n" not in text:
        return text
    if _is_double_spaced(text):
        return _PARAGRAPH_GAP.sub("\n\n", _LINE_GAP.sub("\n", text))
    return _THREE_OR_MORE_NEWLINES.sub("\n\n", text)


def _is_double_spaced(text: str) -> bool:
    """Nearly all newlines come in pairs, and some run of 4+ separates paragraphs.

    Collapsed text has no run of 4+ newlines, so a second pass never collapses it again.
    """
    return "\n\n\n\n" in text and 2 * text.count("\n\n") >= 0.9 * text.count("\n")


def _mend_hyphen_break(match: re.Match[str]) -> str:
    """Join "exami-\\nnation" into one word; other words broken at a hyphen keep it.

    The hyphen goes only between lowercase letters when the part before it is a plain word of
    2+ ASCII letters; "11-21-\\n2016", "L4-\\nL5", "x-\\nray", "range-of-\\nmotion" become
    "11-21-2016", "L4-L5", "x-ray", "range-of-motion".
    """
    text, end = match.string, match.start()
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] in "-_"):
        start -= 1
    next_char = text[match.end()]
    plain = "a" <= next_char <= "z" and _PLAIN_WORD.fullmatch(text, start, end) is not None
    return "" if plain else "-"
