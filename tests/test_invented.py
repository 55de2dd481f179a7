"""The invented rationales (data/annotations/invented_rationales.jsonl) and their scorer."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from imr_ml.labels import REASONS, REQUIRED_REASONS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "annotations" / "invented_rationales.jsonl"
FIELDS = {"id", "item_text", "rationale", "reasons", "phenomenon"}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("invented", REPO / "experiments" / "invented.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_set_is_valid() -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines()]
    assert len(rows) == 240
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert set(row) == FIELDS, row["id"]
        assert row["rationale"].strip() and row["item_text"].strip(), row["id"]
        assert row["reasons"] and set(row["reasons"]) <= set(REASONS), row["id"]
        assert len(set(row["reasons"])) == len(row["reasons"]), row["id"]
        assert row["phenomenon"].strip(), row["id"]
    for label in REQUIRED_REASONS:
        assert sum(label in r["reasons"] for r in rows) >= 60, label


def test_both_halves_hold_items_and_every_required_reason() -> None:
    invented = _script()
    for half in invented.HALVES:
        items = invented.load_items(DATA, half)
        assert len(items) == 120
        assert (items["half"] == half).all()
        for label in REQUIRED_REASONS:
            assert items["reasons"].map(lambda r, label=label: label in r).any(), (half, label)


def test_show_errors_is_refused_on_the_test_half() -> None:
    with pytest.raises(SystemExit):
        _script().main(["--half", "test", "--show-errors"])


def test_the_script_scores_a_small_model(model_dir: Path, capsys) -> None:
    _script().main(["--model", str(model_dir), "--half", "dev"])
    out = capsys.readouterr().out
    assert "120 items" in out
    assert out.count("required micro-F1") == 2  # the model and the rules alone
    items = _script().load_items(DATA, "dev")
    assert not any(r[:40] in out or t in out for r, t in zip(items["rationale"], items["item_text"]))
