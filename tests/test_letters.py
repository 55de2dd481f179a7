"""Tests for imr_ml.letters (reading, decoding, normalising) and the PDF test helper (pdfs)."""

from __future__ import annotations

import dataclasses
import difflib
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badinputs import SMALL_LETTER, write_all
from imr_ml.letters import (
    DEFAULT_MAX_BYTES,
    Letter,
    LetterError,
    iter_letters,
    iter_paths,
    normalise,
    read_letter,
)
from pdfs import text_to_pdf

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "000_435950e687b08266.txt"
REAL_LETTERS = SHARED / "real" / "letters"
needs_seed = pytest.mark.skipif(not SEED.is_file(), reason="../shared not present")
needs_real = pytest.mark.skipif(not REAL_LETTERS.is_dir(), reason="../shared not present")

# A made-up multi-page letter: a case header, paragraphs, one very long line.
LONG_LETTER = (
    "Case Number: CM99-0000002\n"
    + "\n\n".join(
        f"Paragraph {i}: the reviewer read the notes on the {i}th visit, where the treating "
        "physician described stiffness, reduced grip strength and a normal gait. "
        + "The requested sessions exceed the number the guideline allows. "
        * (i % 4)
        for i in range(60)
    )
    + "\n"
    + "A very long line that must be wrapped by the renderer. " * 12
)


def word_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- decoding ------------------------------------------------------------------------------


def test_reads_text_letter(tmp_path: Path) -> None:
    path = write(tmp_path, "CM99-1.txt", "Line one.  \r\nLine two.\r\n")
    letter = read_letter(path)
    assert letter == Letter(
        "CM99-1", str(path), "Line one.\nLine two.", "Line one.  \r\nLine two.\r\n"
    )


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    letter = read_letter(write(tmp_path, "a.txt", b"\xef\xbb\xbfHello world"))
    assert letter.raw_text == "Hello world"
    assert letter.text == "Hello world"


def test_cp1252_fallback_decodes_smart_quotes(tmp_path: Path) -> None:
    letter = read_letter(write(tmp_path, "a.txt", b"He said \x93no\x94 at the caf\xe9 \x96 twice."))
    assert letter.raw_text == "He said \u201cno\u201d at the caf\u00e9 \u2013 twice."
    assert letter.text == 'He said "no" at the caf\u00e9 - twice.'


def test_latin1_last_resort_never_raises(tmp_path: Path) -> None:
    data = b"x" * 1000 + b" \x81 byte undefined in cp1252"
    assert read_letter(write(tmp_path, "a.txt", data)).raw_text.endswith(
        "\x81 byte undefined in cp1252"
    )


def test_utf16_with_bom(tmp_path: Path) -> None:
    assert read_letter(
        write(tmp_path, "a.txt", "Hello \u201cthere\u201d".encode("utf-16"))
    ).text == ('Hello "there"')


@pytest.mark.parametrize(
    "data",
    [b"text\x00with a NUL", b"abc\x01\x02\x03\x04 " * 50, b"%PDF-1.4\n%binary"],
    ids=["nul", "control-chars", "pdf-named-txt"],
)
def test_binary_text_files_are_rejected(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(LetterError) as info:
        read_letter(write(tmp_path, "blob.txt", data))
    assert info.value.problem == "binary"
    assert "blob.txt" in str(info.value)


# --- normalise: one rule at a time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("end of page.\fNext page.", "end of page.\nNext page."),
        ("a\u00a0b\u2009c\td\u3000e", "a b c d e"),
        ("knee:  Upheld   today", "knee: Upheld today"),
        ("  line one   \n\t line two  \n", "line one\nline two"),
        (
            "First line of a\n\nparagraph here.\n\n\n\nSecond one\n\nends.",
            "First line of a\nparagraph here.\n\nSecond one\nends.",
        ),
        ("Line one. \n\n \n\nLine two. \n\nLine three.", "Line one.\n\nLine two.\nLine three."),
        ("A.\nB.\n\n\n\n\nC.\nD.", "A.\nB.\n\nC.\nD."),
        ("A.\n\nB.", "A.\n\nB."),
        ("the knee was\n\nswollen.", "the knee was\nswollen."),
        ("a full exami-\nnation today", "a full examination today"),
        ("exami-\n\nnation", "examination"),
        ("electro\ufffemyography", "electromyography"),
        ("dated 11-21-\n2016", "dated 11-21-2016"),
        ("levels L4-\nL5", "levels L4-L5"),
        ("an x-\nray", "an x-ray"),
        ("range-of-\nmotion", "range-of-motion"),
        ("Non-\nMTUS", "Non-MTUS"),
        ("the request -\nwhich", "the request -\nwhich"),
        ("the request\nPage 2 of 3\nis denied.", "the request\nis denied."),
        ("the request\n- 2 -\nis denied.", "the request\nis denied."),
        ("the request\n\nPAGE 2 OF 3\n\nis denied.", "the request\nis denied."),
        ("A.\nPage 3", "A."),
        ("Page(s): 98-99.\nsee page 2", "Page(s): 98-99.\nsee page 2"),
        ("\u2018a\u2019 \u201cb\u201d", "'a' \"b\""),
        ("2014\u20132016 \u2014 done \u2212 1", "2014-2016 - done - 1"),
        ("\ufb01le \ufb02ow o\ufb00 o\ufb03ce wa\ufb04e", "file flow off office waffle"),
        ("exam\u00adple zero\u200bwidth\ufeff\u2060", "example zerowidth"),
        ("notmedically necesary", "notmedically necesary"),
        (" \n\n\t", ""),
    ],
)
def test_normalise_rules(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


def test_repeated_case_number_lines_keep_the_first() -> None:
    raw = (
        "Case Number: CM16-0000001\nThe first page\nPage 1 of 3\n"
        "Case Number: CM16-0000001\nsays the therapy\nPage 2 of 3\nCM16-0000001\nwas helpful."
    )
    assert (
        normalise(raw)
        == "Case Number: CM16-0000001\nThe first page\nsays the therapy\nwas helpful."
    )


def test_repeated_imr_case_number_in_double_spaced_text() -> None:
    raw = (
        "IMR Case Number: CM13-0001234\n\nThe reviewer noted\n\n\n\nIMR Case Number: CM13-0001234"
        "\n\n\n\nthat pain persisted.\n\nAll done."
    )
    assert (
        normalise(raw)
        == "IMR Case Number: CM13-0001234\nThe reviewer noted\nthat pain persisted.\nAll done."
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("x\nPa-\nge 2\ny", "x\ny"),
        ("CM16-0000001\nfoo\nCM16-\n0000001\nbar", "CM16-0000001\nfoo\nbar"),
        ("pq-\nr-\nst", "pqr-st"),
    ],
)
def test_mended_hyphen_breaks_that_complete_furniture(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


def test_case_number_line_repeating_an_inline_header_is_dropped() -> None:
    header = "Case Number: CM15-0000003 Date Assigned: 05/22/2015"
    raw = f"{header}\nthe visit\nPage 2 of 3\nCM15-0000003\nwent well."
    assert normalise(raw) == f"{header}\nthe visit\nwent well."


def test_different_case_numbers_are_kept() -> None:
    raw = "CM16-0000001\nfirst\nCM16-0000002\nsecond"
    assert normalise(raw) == raw


def test_ascii_and_unicode_paths_agree() -> None:
    raw = "a\tb\r\nc\fd\ve  f"
    assert normalise(raw + "\u00e9") == normalise(raw) + "\u00e9"


@needs_seed
@pytest.mark.shared
def test_seed_letter_normalises_to_single_spaced_text() -> None:
    text = normalise(SEED.read_text(encoding="utf-8"))
    lines = text.splitlines()
    assert "One bone scan of the spine: Upheld" in lines
    assert "Twelve sessions of physical therapy for the low back: Upheld" in lines
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in lines
    assert "expected to\ncontinue active therapies" in text  # blank lines mid-sentence go
    assert "\n\n\n" not in text
    assert lines.count("") < len(lines) / 4  # paragraph breaks only


# --- normalise: properties -----------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "a",
        "bc",
        "Z",
        "3",
        "-",
        ",",
        ".",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\r",
        "\r\n",
        "\t",
        "\f",
        "\u00a0",
        "\u00ad",
        "\u200b",
        "\ufffe",
        "\ufb01",
        "\u2019",
        "\u2014",
        "\u00e9",
        "Page 2",
        "Page 1 of 3",
        "- 4 -",
        "Pa",
        "ge 2",
        "Case Number: CM16-0000001",
        "CM16-0000001",
        "CM16-",
        "0000001",
        "exami",
        "nation",
        "Pa-",
        "x-",
        "r-",
    ]
)
letterish_text = st.lists(_PIECES, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_is_idempotent_on_any_text(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once


@settings(max_examples=1000, deadline=None)
@given(letterish_text)
def test_normalise_is_idempotent_on_letterish_text(raw: str) -> None:
    once = normalise(raw)
    assert normalise(once) == once
    assert "\r" not in once and "\n\n\n" not in once and "  " not in once
    assert all(line == line.strip(" ") for line in once.split("\n"))


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_round_trip(tmp_path: Path) -> None:
    path = text_to_pdf(LONG_LETTER, tmp_path / "CM99-0000002.pdf")
    letter = read_letter(path)
    assert letter.letter_id == "CM99-0000002"
    assert "Page 1 of" in letter.raw_text and "Page 1 of" not in letter.text
    assert letter.raw_text.count("CM99-0000002") > 1
    assert letter.text.count("CM99-0000002") == 1
    assert word_similarity(letter.text, normalise(LONG_LETTER)) >= 0.98


@needs_seed
@pytest.mark.shared
def test_seed_pdf_round_trip(tmp_path: Path) -> None:
    source = normalise(SEED.read_text(encoding="utf-8"))
    letter = read_letter(text_to_pdf(source, tmp_path / "seed.pdf"))
    assert word_similarity(letter.text, source) >= 0.98


@needs_real
@pytest.mark.shared
def test_real_pdfs_all_read() -> None:
    paths = list(iter_paths([REAL_LETTERS]))
    assert len(paths) == 97
    for letter in iter_letters(paths):
        assert isinstance(letter, Letter), str(letter)
        assert "IMR ISSUES, DECISIONS AND RATIONALES" in " ".join(letter.text.split())


# --- bad inputs ----------------------------------------------------------------------------

EXPECTED_PROBLEMS = {
    "empty_file": "empty",
    "binary_junk": "binary",
    "corrupt_pdf": "corrupt_pdf",
    "encrypted_pdf": "encrypted_pdf",
    "scanned_pdf": "no_text",
    "huge_letter": "too_large",
    "unreadable_file": "unreadable",
}


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("bad"))


@pytest.mark.parametrize(("kind", "problem"), EXPECTED_PROBLEMS.items())
def test_bad_input_gives_letter_error(bad_inputs: dict[str, Path], kind: str, problem: str) -> None:
    path = bad_inputs[kind]
    with pytest.raises(LetterError) as info:
        read_letter(path)
    assert info.value.problem == problem
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}: ")


def test_messages_say_what_to_do(bad_inputs: dict[str, Path]) -> None:
    def message(kind: str) -> str:
        with pytest.raises(LetterError) as info:
            read_letter(bad_inputs[kind])
        return str(info.value)

    assert "password" in message("encrypted_pdf") and "decrypt" in message("encrypted_pdf")
    assert "OCR" in message("scanned_pdf")
    assert f"{DEFAULT_MAX_BYTES:,}" in message("huge_letter") and "--max-bytes" in message(
        "huge_letter"
    )
    assert "missing-target.txt" in message("unreadable_file")


def test_huge_letter_past_a_raised_byte_limit_meets_the_character_limit(
        bad_inputs: dict[str, Path]) -> None:
    with pytest.raises(LetterError) as info:
        read_letter(bad_inputs["huge_letter"], max_bytes=10_000_000)
    assert info.value.problem == "too_long" and "over the limit of 1,000,000" in str(info.value)


def test_non_imr_text_is_still_a_readable_letter(bad_inputs: dict[str, Path]) -> None:
    assert read_letter(bad_inputs["non_imr_text"]).text.startswith("How to keep a sourdough")


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("blank.txt", " \r\n\t\n", "empty"),
        ("fake.pdf", "just some text", "not_pdf"),
        ("letter.docx", "text", "unsupported"),
        ("README", "text", "unsupported"),
    ],
)
def test_other_bad_files(tmp_path: Path, name: str, data: str, problem: str) -> None:
    with pytest.raises(LetterError) as info:
        read_letter(write(tmp_path, name, data))
    assert info.value.problem == problem
    assert name in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(LetterError) as info:
        read_letter(tmp_path / "nowhere.txt")
    assert (info.value.problem, info.value.source) == ("not_found", str(tmp_path / "nowhere.txt"))
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(LetterError) as info:
        read_letter(tmp_path / "folder.txt")
    assert info.value.problem == "no_letters" and "no .txt or .pdf" in str(info.value)
    (tmp_path / "folder.txt" / "a.txt").write_text("x")
    with pytest.raises(LetterError) as info:
        read_letter(tmp_path / "folder.txt")
    assert info.value.problem == "unreadable" and "is a folder" in str(info.value)


def test_a_folder_without_letters_is_reported_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.docx").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.txt").write_text("x")
    paths = list(iter_paths([tmp_path / "empty", tmp_path / "full"]))
    assert paths == [tmp_path / "empty", tmp_path / "full" / "a.txt"]
    (error,) = [e for e in iter_letters([tmp_path / "empty"]) if isinstance(e, LetterError)]
    assert error.problem == "no_letters"


def test_letter_error_pickles_and_letter_hides_text(tmp_path: Path) -> None:
    error = LetterError("x.pdf", "no_text", "PDF has no text layer")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.problem, copy.source) == (
        "x.pdf: PDF has no text layer",
        "no_text",
        "x.pdf",
    )
    letter = read_letter(write(tmp_path, "a.txt", "private words"))
    assert "private" not in repr(letter)
    with pytest.raises(dataclasses.FrozenInstanceError):
        letter.text = "changed"  # type: ignore[misc]


def test_encrypted_pdf_opens_with_its_password(bad_inputs: dict[str, Path]) -> None:
    import pypdf

    reader = pypdf.PdfReader(bad_inputs["encrypted_pdf"])
    assert reader.is_encrypted
    reader.decrypt("secret")
    assert "aquatic therapy" in reader.pages[0].extract_text()


# --- iterating over inputs -----------------------------------------------------------------


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    for name in [
        "b.txt",
        "a.TXT",
        "sub/c.pdf",
        "sub/deeper/D.Pdf",
        "notes.md",
        ".hidden/x.txt",
        "sub/.y.txt",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    return tmp_path


def test_iter_paths_folder_is_recursive_sorted_and_filtered(tree: Path) -> None:
    assert [p.relative_to(tree).as_posix() for p in iter_paths([tree])] == [
        "a.TXT",
        "b.txt",
        "sub/c.pdf",
        "sub/deeper/D.Pdf",
    ]


def test_iter_paths_globs_files_and_missing(tree: Path) -> None:
    inputs = [str(tree / "**" / "*.pdf"), tree / "b.txt", tree / "gone.txt", str(tree / "*.xyz")]
    assert list(iter_paths(inputs)) == [
        tree / "sub/c.pdf",
        tree / "b.txt",
        tree / "gone.txt",
        tree / "*.xyz",
    ]


def test_iter_paths_keeps_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "gone.txt"
    link.symlink_to(tmp_path / "target.txt")
    assert list(iter_paths([link])) == [link]


def test_iter_letters_yields_errors_and_goes_on(tmp_path: Path) -> None:
    bad = write_all(tmp_path / "bad")
    good = write(tmp_path, "good.txt", SMALL_LETTER)
    results = list(iter_letters([good, tmp_path / "bad", tmp_path / "nope.pdf", good]))
    kinds = [r.problem if isinstance(r, LetterError) else r.letter_id for r in results]
    assert kinds[0] == "good"  # once: the same file listed again is not read again
    assert kinds[-1] == "not_found"
    assert sorted(kinds[1:-1]) == sorted([*EXPECTED_PROBLEMS.values(), "sourdough"])
    assert len(results) == len(bad) + 2
