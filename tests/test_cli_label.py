"""`imr-ml label`: silver decisions and weak reasons that load back as such."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from imr_ml.cli import main
from imr_ml.corpus.table import load_corpus
from imr_ml.labels import REASONS

HERE = Path(__file__).parent


def test_label_writes_lines_that_load_back_with_their_sources(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(HERE / "letters", corpus / "letters")
    out = corpus / "labels.jsonl"
    assert main(["label", str(corpus / "letters"), "--out", str(out), "-q"]) == 0
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 8
    for line in lines:
        assert line["decision_source"] == "silver"
        if line["decision"] == "upheld":
            assert line["reasons"] and set(line["reasons"]) <= set(REASONS)
            assert line["reasons_source"] == "weak"
            assert all(e["text"] for e in line["evidence"])
        else:
            assert line["reasons"] == [] and line["reasons_source"] == "none"
    table = load_corpus(corpus, reason_ids=REASONS)
    assert set(table["decision_source"]) == {"silver"}
    assert set(table["reasons_source"]) == {"weak", "none"}
    assert (table["decision"] == table["decision_stated"]).all()
