"""`imr-ml report` and `imr_ml.report`: the aggregates of a scored batch against pandas
group-bys computed here, every section on the page, and batches with nothing to report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from badinputs import write_all
from imr_ml.cli import main
from imr_ml.report import build, render
from imr_ml.report.aggregates import EVIDENCE_SEPARATOR
from imr_ml.report.intervals import wilson
from imr_ml.report.published import published
from imr_ml.scoring.output import read_table
from imr_ml.scoring.scorer import LIST_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SHARED_PUBLISHED = ROOT.parent / "shared" / "published" / "imr_outcomes.csv"
TABLES = ["by_category", "by_drug_class", "by_guideline", "by_specialty", "by_month",
          "overall", "reasons", "disagreements", "published"]  # the CSVs the issue names
SECTIONS = ["The batch", "Uphold rate", "Uphold rate by treatment category",
            "Uphold rate by drug class (pharmacy items)", "Uphold rate by guideline source cited",
            "Uphold rate by reviewer specialty", "Uphold rate by decision month",
            "Denial reasons of upheld items (predicted)", "The model against the letters",
            "Published figures beside the batch&#x27;s"]


@pytest.fixture(scope="module")
def scores(model_dir, tmp_path_factory) -> Path:
    """The sample letters and every bad input, scored (JSON lines)."""
    folder = tmp_path_factory.mktemp("report")
    shutil.copytree(ROOT / "data" / "samples" / "letters", folder / "in" / "good")
    write_all(folder / "in" / "bad")
    out = folder / "scores.jsonl"
    assert main(["score", str(folder / "in"), "--model", str(model_dir), "--out", str(out),
                 "--workers", "1", "-q"]) == 0
    return out


@pytest.fixture()
def frame(scores) -> pd.DataFrame:
    """The scored batch; every 7th item's stated decision removed (so it is predicted) and
    every 5th predicted decision flipped (so that some disagree)."""
    frame = read_table(scores)
    ok = frame.index[frame["status"] == "ok"]
    frame.loc[ok[::7], "decision_stated"] = None
    flip = ok[2::5]
    frame.loc[flip, "decision_pred"] = frame.loc[flip, "decision_pred"].map(
        {"upheld": "overturned", "overturned": "upheld"})
    return frame


def _expected_rates(items: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """items, upheld and predicted per group, by plain pandas."""
    grouped = items.assign(key=key).explode("key").groupby("key")
    return pd.DataFrame({"items": grouped.size(), "upheld": grouped["upheld"].sum(),
                         "predicted": grouped["predicted"].sum()}).sort_index()


def _checked_items(frame: pd.DataFrame) -> pd.DataFrame:
    items = frame[frame["status"] == "ok"].copy()
    items["predicted"] = items["decision_stated"].isna()
    items["upheld"] = items["decision_stated"].fillna(items["decision_pred"]) == "upheld"
    return items


def test_rates_agree_with_pandas_group_bys(frame):
    tables = build(frame)
    items = _checked_items(frame)
    none = "(none)"
    keys = {
        "by_category": items["category"].fillna(none),
        "by_month": items["decision_date"].map(lambda d: d[:7] if isinstance(d, str) else none),
        "by_specialty": items["reviewer_specialty"].map(lambda v: list(v) or [none]),
        "by_guideline": items["guidelines"].map(lambda v: sorted({
            s if (s := re.split(r"[\s(:,]", g)[0]) in ("MTUS", "ACOEM", "ODG") else "other"
            for g in v}) or [none]),
    }
    assert items["predicted"].sum() > 0 and len(items) > 100
    for name, key in keys.items():
        got = tables[name].set_index("group")[["items", "upheld", "predicted"]].sort_index()
        pd.testing.assert_frame_equal(got, _expected_rates(items, key), check_names=False,
                                      check_dtype=False, obj=name)
    pharmacy = items[items["category"] == "pharmacy"]
    got = tables["by_drug_class"].set_index("group")[["items", "upheld", "predicted"]]
    pd.testing.assert_frame_equal(got.sort_index(), _expected_rates(
        pharmacy, pharmacy["drug_class"].fillna(none)), check_names=False, check_dtype=False)
    overall = tables["overall"].iloc[0]
    assert (overall["items"], overall["upheld"]) == (len(items), items["upheld"].sum())
    assert overall["uphold_rate"] == pytest.approx(items["upheld"].mean())


def test_rate_tables_have_the_issues_columns_intervals_and_small_marks(frame):
    tables = build(frame)
    for name in ["overall", "by_category", "by_drug_class", "by_guideline", "by_specialty",
                 "by_month"]:
        table = tables[name]
        assert list(table.columns[:6]) == ["group", "items", "upheld", "uphold_rate", "ci_low",
                                          "ci_high"]
        assert (table["ci_low"] <= table["uphold_rate"]).all()
        assert (table["uphold_rate"] <= table["ci_high"]).all()
        assert (table["small"] == (table["items"] < 10)).all()
    assert tables["by_category"]["small"].any()
    months = [g for g in tables["by_month"]["group"] if g != "(none)"]
    assert months == sorted(months)


def test_wilson_interval():
    low, high = wilson(8, 10)  # Wilson's own worked figures (Newcombe 1998)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert wilson(0, 5)[0] == 0 and wilson(5, 5)[1] == 1
    assert np.isnan(wilson(0, 0)).all()


def test_reasons_are_shares_of_upheld_items(frame):
    tables = build(frame)
    upheld = _checked_items(frame).query("upheld")
    expected = upheld["reasons_pred"].explode().value_counts() / len(upheld)
    got = tables["reasons"].query("group == 'all'").set_index("reason")["share"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    pharmacy = upheld[upheld["category"] == "pharmacy"]
    got = tables["reasons"].query("group == 'pharmacy'").set_index("reason")["count"]
    assert got.to_dict() == pharmacy["reasons_pred"].explode().value_counts().to_dict()


def test_disagreements_are_the_items_predicted_otherwise_most_overturned_first(frame):
    table = build(frame)["disagreements"]
    items = _checked_items(frame)
    differ = items[~items["predicted"] & (items["decision_pred"] != items["decision_stated"])]
    assert len(table) == len(differ) > 0
    assert table["p_overturned"].is_monotonic_decreasing
    assert set(zip(table["case_number"], table["item_text"])) == set(
        zip(differ["case_number"], differ["item_text"]))
    with_evidence = table[table["evidence"] != ""]
    assert len(with_evidence)
    expected = {(case, item): {(r, v["text"]) for r, v in json.loads(e).items()}
                for case, item, e in zip(differ["case_number"], differ["item_text"],
                                         differ["evidence"])}
    for case, item, cell in zip(table["case_number"], table["item_text"], table["evidence"]):
        shown = set()
        for part in cell.split(EVIDENCE_SEPARATOR) if cell else []:
            reasons, sentence = part.split(": ", 1)
            shown |= {(r, sentence) for r in reasons.split(", ")}
        assert shown == expected[(case, item)]  # every predicted reason's sentence, once
    confusion = build(frame)["confusion"].set_index("stated")
    assert int(confusion.to_numpy().sum()) - int(np.trace(confusion.to_numpy())) == len(differ)


def test_batch_counts_letters_statuses_errors_and_dates(frame):
    tables = build(frame)
    letters = frame.drop_duplicates("source")
    batch = dict(zip(tables["batch"]["what"], tables["batch"]["value"]))
    assert batch["letters"] == str(len(letters))
    assert batch["items"] == str((frame["status"] == "ok").sum())
    statuses = tables["statuses"].set_index("status")["letters"].to_dict()
    assert statuses == {s: int((letters["status"] == s).sum()) for s in ("ok", "no_items",
                                                                        "error")}
    errors = letters[letters["status"] == "error"]
    assert sorted(tables["errors"]["file"]) == sorted(errors["source"]) and len(errors) > 3
    ok_dates = frame.loc[frame["status"] == "ok", "decision_date"].dropna()
    assert batch["first decision date"] == ok_dates.min()
    assert tables["layouts"]["letters"].sum() == statuses["ok"]


def test_published_figures_ship_with_their_sources_beside_the_batch(frame):
    table = build(frame)["published"]
    shipped = published()
    assert shipped["source"].notna().all() and len(shipped) >= 15
    if SHARED_PUBLISHED.is_file():
        pd.testing.assert_frame_equal(shipped, pd.read_csv(SHARED_PUBLISHED), check_dtype=False)
    ours = table[table["publisher"] == "this batch"].set_index("year")
    items = _checked_items(frame).dropna(subset=["decision_date"])
    year = items["decision_date"].str[:4].astype(int)
    assert ours["uphold_rate"].to_dict() == pytest.approx(
        items.groupby(year)["upheld"].mean().to_dict())
    assert ours["pharmacy_share"].to_dict() == pytest.approx(
        (items["category"] == "pharmacy").groupby(year).mean().to_dict())
    assert len(table) == len(shipped) + len(ours)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_report_command_writes_the_page_and_every_table(scores, model_dir, tmp_path, suffix):
    source = scores
    if suffix != ".jsonl":  # the same batch in another format gives the same tables
        source = tmp_path / f"scores{suffix}"
        assert main(["score", str(scores.parent / "in"), "--model", str(model_dir), "--out",
                     str(source), "--workers", "1", "-q"]) == 0
    out, folder = tmp_path / "page" / "report.html", tmp_path / "tables"
    assert main(["report", str(source), "--out", str(out), "--tables", str(folder),
                 "--title", "Batch <1>"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<title>Batch &lt;1&gt;</title>" in page
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in page
    assert page.count("<svg") >= len(SECTIONS)
    # self-contained: nothing fetched (the SVGs' url(#…) and href="#…" name their own parts,
    # href="data:…" holds a heat map's pixels)
    outside = r"<(script|link|img|iframe)\b|@import|url\((?!#)|(src|href)=\"(?!#|data:)"
    assert not re.search(outside, page)
    for name in TABLES:
        assert (folder / f"{name}.csv").is_file(), name
    expected = build(read_table(scores, LIST_COLUMNS))["by_category"]
    pd.testing.assert_frame_equal(pd.read_csv(folder / "by_category.csv"), expected,
                                  check_dtype=False)


def test_the_headline_comes_first_with_the_overall_rate_and_the_published_range(frame):
    tables = build(frame)
    page = render(tables)
    body = page[page.index("<body>"):]
    assert body.index("id='headline'") < body.index("<h2>")  # before every section
    headline = body[body.index("id='headline'"):body.index("</p>")]
    overall = tables["overall"].iloc[0]
    assert f"<strong>{overall['uphold_rate']:.1%}</strong>" in headline
    assert f"{overall['items']} items of " in headline
    table = tables["published"]
    years = set(table.loc[table["publisher"] == "this batch", "year"])
    rates = table[table["year"].isin(years) & (table["publisher"] != "this batch")
                  ]["uphold_rate"].dropna()
    if len(rates):
        assert f"published {rates.min():.1%}–{rates.max():.1%}" in headline
    else:
        assert "published" not in headline


def test_an_empty_batch_and_a_batch_of_errors_say_so(model_dir, tmp_path):
    page = render(build(pd.DataFrame()))
    assert "no scored items (0 letters, 0 of them unreadable)" in page
    write_all(tmp_path / "bad")
    scores, out = tmp_path / "bad.csv", tmp_path / "bad.html"
    assert main(["score", str(tmp_path / "bad"), "--model", str(model_dir), "--out",
                 str(scores), "--workers", "1", "-q"]) == 1  # no items: score's exit 1
    assert main(["report", str(scores), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    frame = read_table(scores)
    errors = frame[frame["status"] == "error"]
    assert "of them unreadable" in page and "<h2>The batch</h2>" in page
    assert f"Errors ({len(errors)})" in page
    assert "Uphold rate by" not in page and "id='headline'" not in page


def test_report_errors_are_one_line_naming_the_file(scores, tmp_path, capsys):
    not_scores = tmp_path / "other.csv"
    not_scores.write_text("a,b\n1,2\n")
    out = tmp_path / "r.html"
    cases = [(tmp_path / "missing.jsonl", out, "missing.jsonl: not found"),
             (not_scores, out, "other.csv: not an output of imr-ml score"),
             (scores, tmp_path / "r.txt", "r.txt: report writes an HTML page")]
    for source, target, message in cases:
        capsys.readouterr()
        assert main(["report", str(source), "--out", str(target)]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
        assert not target.exists()


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_page_renders_in_headless_chromium(frame, tmp_path):
    from PIL import Image

    page = tmp_path / "report.html"
    page.write_text(render(build(frame)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1200,4000",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    pixels = np.asarray(Image.open(shot).convert("L"))
    assert pixels.shape == (4000, 1200)
    inked = np.flatnonzero((pixels < 200).any(axis=1))
    assert len(inked) > 1000  # text, tables and figures: not a blank page
    assert inked.max() > 3800  # the page is longer than the window: content to the bottom


def test_table_cells_a_spreadsheet_would_run_are_neutralised(scores, tmp_path):
    rows = [json.loads(line) for line in scores.read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["status"] == "ok" and r["decision_stated"])
    row["item_text"] = "=HYPERLINK(\"x\")"
    row["decision_pred"] = "overturned" if row["decision_stated"] == "upheld" else "upheld"
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert main(["report", str(source), "--out", str(tmp_path / "r.html"),
                 "--tables", str(tmp_path / "tables")]) == 0
    cells = pd.read_csv(tmp_path / "tables" / "disagreements.csv")["item_text"].tolist()
    assert "'=HYPERLINK(\"x\")" in cells


def test_years_are_written_as_runs():
    from imr_ml.report.render import _years

    assert _years([2013, 2014, 2015, 2018]) == "2013–2015, 2018"
    assert _years([2016]) == "2016" and _years([]) == ""
