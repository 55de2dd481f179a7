"""Slot filling for phrasing templates: a tiny, deterministic template language.

- ``{name}`` is replaced by the slot's value; ``{Name}`` by the same value capitalised. A value
  that is a tuple is chosen from at each use; a callable is called with the generator.
- ``[a|b|c]`` picks one alternative; ``[?text]`` keeps ``text`` half of the time. Brackets
  nest, and slot values may use them too (they are expanded after substitution).
- ``§tag§`` records ``tag`` (a hard-case kind) and is removed from the text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from typing import TypeAlias

SlotValue: TypeAlias = str | tuple[str, ...] | Callable[[random.Random], str]

_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_TAG = re.compile(r"§(\w+)§")
_SPACES = re.compile(r"[ ]{2,}")
_SPACE_PUNCT = re.compile(r" +([,.;:?])")
_DOUBLE_PUNCT = re.compile(r"([.?!])\.")
_ARTICLE = re.compile(r"\b([Aa]) (?=([A-Za-z][\w/-]*))")
# acronyms read with a leading vowel sound ("an MRI", "an EMG", "an H-wave unit")
_VOWEL_ACRONYM = re.compile(r"^(?:[AEIO]|[FHLMNRSX](?:[A-Z]|-|$))")


def _pick(rng: random.Random, body: str) -> str:
    if body.startswith("?"):
        return body[1:] if rng.random() < 0.5 else ""
    return rng.choice(body.split("|"))


def _expand(text: str, rng: random.Random) -> str:
    while "[" in text:
        text, n = _CHOICE.subn(lambda m: _pick(rng, m.group(1)), text, count=1)
        if not n:
            break
    return text


def _value(slots: Mapping[str, SlotValue], name: str, rng: random.Random) -> str:
    key = name
    cap = False
    if key not in slots and key[:1].isupper():
        key, cap = key[0].lower() + key[1:], True
    value = slots[key]
    if callable(value):
        value = value(rng)
    elif isinstance(value, tuple):
        value = rng.choice(value)
    value = _expand(value, rng)
    return value[:1].upper() + value[1:] if cap else value


def articles(text: str) -> str:
    """Make "a"/"an" agree with the next word ("an MRI", "an injection", "a unit")."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(2)
        if word.isupper() or re.match(r"^[A-Z]-", word) or word[:2].isupper():
            vowel = bool(_VOWEL_ACRONYM.match(word))
        else:
            low = word.lower()
            vowel = low[0] in "aeio" or (low[0] == "u" and not low.startswith(("us", "un", "ur"))) \
                or low.startswith(("unl", "und", "unu", "hour", "unsp"))
            if low.startswith(("one", "uni", "use", "usu", "ure", "euro")):
                vowel = False
        art = m.group(1)
        if vowel:
            return ("An" if art == "A" else "an") + " "
        return art + " "

    text = re.sub(r"\b([Aa])n (?=([A-Za-z][\w/-]*))", lambda m: m.group(1) + " ", text)
    return _ARTICLE.sub(fix, text)


def tidy(text: str) -> str:
    """Collapse spaces left by empty options and fix spacing before punctuation."""
    text = _SPACES.sub(" ", text)
    text = _SPACE_PUNCT.sub(r"\1", text)
    text = _DOUBLE_PUNCT.sub(r"\1", text)
    text = text.replace(",,", ",").replace(", .", ".").replace(",.", ".")
    return articles(text.strip())


def fill(template: str, slots: Mapping[str, SlotValue], rng: random.Random,
         tags: list[str] | None = None) -> str:
    """Expand one template with `slots`; collected §tags§ are appended to `tags`."""
    text = _expand(template, rng)
    text = _SLOT.sub(lambda m: _value(slots, m.group(1), rng), text)
    text = _expand(text, rng)
    if "§" in text:
        if tags is not None:
            tags.extend(_TAG.findall(text))
        text = _TAG.sub("", text)
    text = tidy(text)
    return text[:1].upper() + text[1:]
