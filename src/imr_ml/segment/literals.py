"""Required literals of a regex: strings one of which every text it matches in contains.

A cheap gate in front of a regex: ``str in text`` checks are much faster than a search, so
a sentence that holds none of a pattern's required strings skips the pattern. Computed from
the regex's parse tree (`re._parser`, CPython's own); where the tree holds anything not
understood here, there is no gate (`None`) and the regex always runs, so the gate can only
save time, never change a result.
"""

from __future__ import annotations

import re
from typing import Any

try:  # CPython's regex parser: private, so any surprise just means "no gate"
    from re import _constants as _c
    from re import _parser
except ImportError:  # pragma: no cover - another Python implementation
    _parser = None

Literals = frozenset[str]


def required_literals(regex: str, flags: int = 0) -> Literals | None:
    """Strings one of which any string that `regex` matches in must contain, or None.

    The strings are as long as the pattern allows (the alternative whose shortest string is
    longest). None where the pattern ignores case or can match without any literal.
    """
    if _parser is None or flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(regex, flags)
        if parsed.state.flags & re.IGNORECASE:
            return None
        return _sequence(list(parsed))
    except Exception:  # noqa: BLE001 - a parse tree of another shape: no gate, still correct
        return None


def _sequence(items: list[tuple[Any, Any]]) -> Literals | None:
    """The best requirement among the parts every match of the sequence goes through."""
    candidates: list[Literals] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            candidates.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        close_run()
        need = _item(op, av)
        if need is not None:
            candidates.append(need)
    close_run()
    if not candidates:
        return None
    return max(candidates, key=lambda lits: (min(map(len, lits)), -len(lits)))


def _item(op: Any, av: Any) -> Literals | None:
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & re.IGNORECASE else _sequence(list(sub))
    if op is _c.BRANCH:
        union: set[str] = set()
        for alternative in av[1]:
            need = _sequence(list(alternative))
            if need is None:
                return None
            union |= need
        return frozenset(union)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _sequence(list(sub)) if low >= 1 else None
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op is _c.ASSERT:  # a positive lookaround: its text is in the string too
        _direction, sub = av
        return _sequence(list(sub))
    return None  # classes, anchors, negative lookarounds, back-references: no requirement
