"""PDF-extraction noise, applied to a laid-out letter after its labels are fixed.

Every kind of noise here is one the letter reader (`imr_ml.letters.normalise`) or the
segmenter tolerates, and none touches what the segmenter reads as an item or a decision:
item headers, verdict words, headings and citation lines are only wrapped, and entries the
segmenter reads line by line are never broken. Rates are per letter unless said otherwise.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from imr_ml.corpus.synth.render import Draft


@dataclass(frozen=True)
class NoiseConfig:
    """Rates of each kind of noise (0 turns a kind off); defaults mimic the seed letter."""

    width_min: int = 85  # line wrapping width, drawn per letter (wrapping is always on)
    width_max: int = 100
    double_spacing: float = 0.6  # letters with a blank line after every line
    blank_paragraphs: float = 0.5  # single-spaced letters with blank lines between paragraphs
    hyphenation: float = 0.3  # a long word at a line end is split "exami-/nation"
    page_footer: float = 0.5  # letters with "Page N of M" lines inside rationales
    case_header: float = 0.6  # footers followed by a repeated "Case Number: ..." line
    page_lines: int = 40  # lines per page
    ocr_letters: float = 0.25  # letters with OCR slips ...
    ocr: float = 0.005  # ... per word of their narrative text ("rn" for "m", "l" for "I", ...)
    not_medically: float = 0.04  # per "not medically" in a rationale: "notmedically"
    curly_quotes: float = 0.35  # letters whose narrative quotes/apostrophes are curly
    ligatures: float = 0.1  # letters whose narrative "fi"/"fl" are ligature characters
    trailing_spaces: float = 0.7  # letters with trailing spaces ...
    trailing_space_lines: float = 0.8  # ... on this share of their lines
    crlf: float = 0.1  # letters with CRLF line ends


_HYPHENATABLE = re.compile(r"^([a-z]{8,})([,.;]?)$")
_NO_LINE_START = re.compile(r"^(?:\d+[.)]|/|cc:)")
_NOT_MEDICALLY = re.compile(r"\bnot medically\b")
_QUOTE = re.compile(r'"([^"]*)"')


@dataclass
class _Token:
    text: str
    hyphenate: bool = False


def _slip(word: str, rng: random.Random) -> str | None:
    """One OCR slip in a word, or None when no slip fits it."""
    if not word.isalpha():
        return None
    if "m" in word and rng.random() < 0.5:
        i = rng.choice([k for k, c in enumerate(word) if c == "m"])
        return word[:i] + "rn" + word[i + 1:]
    if word[0] == "I" and len(word) > 1:
        return "l" + word[1:]
    if "l" in word[1:] and rng.random() < 0.5:
        i = rng.choice([k for k, c in enumerate(word) if c == "l" and k])
        return word[:i] + "1" + word[i + 1:]
    if "e" in word and len(word) > 4:
        i = rng.choice([k for k, c in enumerate(word) if c == "e"])
        return word[:i] + "c" + word[i + 1:]
    return None


def _narrative(text: str, rate: float, rng: random.Random, kinds: set[str],
               curly: bool, ligatures: bool) -> str:
    words = text.split(" ")
    out: list[str] = []
    for k, w in enumerate(words):
        if rate and rng.random() < rate:
            core = w.rstrip(",.;:")
            slipped = _slip(core, rng)
            if slipped:
                w = slipped + w[len(core):]
                kinds.add("ocr")
            elif k + 1 < len(words) and w.isalpha() and w.islower() and words[k + 1].isalpha():
                out.append(w + words[k + 1])  # a lost space ("ofthe")
                words[k + 1] = ""
                kinds.add("ocr")
                continue
        if w:
            out.append(w)
    text = " ".join(out)
    if curly and ('"' in text or "'" in text):
        text = _QUOTE.sub("\u201c\\1\u201d", text).replace("'", "\u2019")
        kinds.add("curly_quotes")
    if ligatures and ("fi" in text or "fl" in text):
        text = text.replace("fi", "\ufb01").replace("fl", "\ufb02")
        kinds.add("ligatures")
    return text


def _verdict(text: str, cfg: NoiseConfig, rng: random.Random, kinds: set[str]) -> str:
    def merge(m: re.Match[str]) -> str:
        if rng.random() < cfg.not_medically:
            kinds.add("ocr")
            return "notmedically"
        return m.group(0)

    return _NOT_MEDICALLY.sub(merge, text) if cfg.not_medically else text


def _tokens(letter: Draft, cfg: NoiseConfig, rng: random.Random,
            kinds: set[str]) -> list[list[_Token]]:
    curly = rng.random() < cfg.curly_quotes
    ligatures = rng.random() < cfg.ligatures
    rate = cfg.ocr if rng.random() < cfg.ocr_letters else 0.0
    paras = []
    for para in letter.paras:
        tokens: list[_Token] = []
        for text, kind in para.segments:
            if kind == "atom":
                tokens.append(_Token(text))
                continue
            if kind == "body":
                text = _narrative(text, rate, rng, kinds, curly, ligatures)
                text = _verdict(text, cfg, rng, kinds)
            elif kind == "concl":
                text = _verdict(text, cfg, rng, kinds)
            tokens.extend(_Token(w, kind == "body") for w in text.split(" ") if w)
        paras.append(tokens)
    return paras


def _wrap(tokens: list[_Token], width: int, cfg: NoiseConfig, rng: random.Random,
          kinds: set[str]) -> list[str]:
    lines: list[str] = []
    line = ""
    for tok in tokens:
        word = tok.text
        if not line:
            line = word
            continue
        if len(line) + 1 + len(word) <= width or _NO_LINE_START.match(word):
            line += " " + word
            continue
        m = _HYPHENATABLE.match(word) if tok.hyphenate and cfg.hyphenation else None
        if m and rng.random() < cfg.hyphenation:
            room = width - len(line) - 2
            core = m.group(1)
            cut = min(room, len(core) - 3)
            if cut >= 3:
                lines.append(f"{line} {core[:cut]}-")
                line = core[cut:] + m.group(2)
                kinds.add("hyphenation")
                continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def apply(letter: Draft, case_number: str, cfg: NoiseConfig,
          rng: random.Random) -> tuple[str, list[str]]:
    """The letter as extracted text, and the kinds of noise applied to it."""
    kinds: set[str] = {"wrap"}
    width = rng.randint(cfg.width_min, max(cfg.width_min, cfg.width_max))
    paras = _tokens(letter, cfg, rng, kinds)
    wrapped = [_wrap(tokens, width, cfg, rng, kinds) for tokens in paras]
    footers = rng.random() < cfg.page_footer
    with_case = rng.random() < cfg.case_header
    # (line, starts a paragraph with a gap, in a rationale)
    flat: list[tuple[str, bool, bool]] = []
    for para, lines in zip(letter.paras, wrapped):
        for k, line in enumerate(lines):
            flat.append((line, k == 0 and para.gap_before, para.rationale))
    out: list[tuple[str, bool]] = []  # (line, paragraph gap before)
    since = 0
    page = 1
    page_lines = max(5, cfg.page_lines)
    due = page_lines + rng.randint(-5, 5)
    for i, (line, gap, in_rationale) in enumerate(flat):
        since += 1 + gap
        mid = i and in_rationale and flat[i - 1][2] and not gap
        if footers and since >= due and mid:
            page += 1
            footer = [f"Page {page - 1} of {{M}}"]
            if with_case:
                case_line = rng.choice((f"Case Number: {case_number}", case_number))
                footer = footer + [case_line] if rng.random() < 0.5 else [case_line, *footer]
                kinds.add("case_header")
            kinds.add("page_footer")
            out.extend((f, False) for f in footer)
            since, due = 0, page_lines + rng.randint(-5, 5)
        out.append((line, gap))
    total = str(page)
    double = rng.random() < cfg.double_spacing
    blank_paras = rng.random() < cfg.blank_paragraphs
    trailing = rng.random() < cfg.trailing_spaces
    parts: list[str] = []
    for k, (line, gap) in enumerate(out):
        line = line.replace("{M}", total)
        if trailing and rng.random() < cfg.trailing_space_lines:
            line += " "
            kinds.add("trailing_spaces")
        if k:
            if double:
                parts.append("\n\n \n\n" if gap else "\n\n")
            else:
                parts.append("\n\n" if gap and blank_paras else "\n")
        parts.append(line)
    if double:
        kinds.add("double_spacing")
    text = "".join(parts) + "\n"
    if rng.random() < cfg.crlf:
        text = text.replace("\n", "\r\n")
        kinds.add("crlf")
    return text, sorted(kinds)
