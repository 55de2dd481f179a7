"""The report as one self-contained HTML page: every section a table and a figure (inline
SVG), no network, no external files. Text from the letters is escaped."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pandas as pd

from imr_ml.report import figures
from imr_ml.report.published import BATCH

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { border-bottom: 2px solid #2f5d8a; } h2 { margin-top: 2em; color: #2f5d8a; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #eef2f7; } .note { background: #fff8e1; padding: 0.6em; }
.headline { font-size: 1.2em; background: #eef2f7; padding: 0.6em; }
figure { margin: 0.8em 0; } svg { max-width: 100%; height: auto; }
"""
RATE_SECTIONS = {"by_category": "treatment category", "by_drug_class": "drug class "
                 "(pharmacy items)", "by_guideline": "guideline source cited",
                 "by_specialty": "reviewer specialty", "by_month": "decision month"}
PERCENT = ("uphold_rate", "ci_low", "ci_high", "share", "pharmacy_share")


def _table(table: pd.DataFrame) -> str:
    """A table as HTML: rates as percentages, small groups said in words, cells escaped."""
    shown = table.copy()
    for column in PERCENT:
        if column in shown:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
    if "small" in shown:
        shown["small"] = shown["small"].map({True: "n < 10", False: ""})
    if "p_overturned" in shown:
        shown["p_overturned"] = shown["p_overturned"].map("{:.3f}".format)
    if shown.empty:
        return "<p>(none)</p>"
    return shown.to_html(index=False, escape=True, na_rep="", border=0)


def _figure(fig: figures.Figure) -> str:
    return f"<figure>{figures.svg(fig)}</figure>"


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>\n" + "\n".join(parts) + "</section>"


def _years(years: list[int]) -> str:
    """Years as runs: [2013, 2014, 2015, 2018] -> "2013–2015, 2018"."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _headline(tables: dict[str, pd.DataFrame]) -> str:
    """What the batch says in one paragraph, first on the page: its uphold rate, and the
    published rates of the years its decisions fall in."""
    overall = tables["overall"].iloc[0]
    letters = int(tables["statuses"]["letters"].sum())
    text = (f"{overall['items']} items of {letters} letters: <strong>{overall['uphold_rate']:.1%}"
            f"</strong> of the decisions upheld the denial (95% interval "
            f"{overall['ci_low']:.1%}–{overall['ci_high']:.1%}; {overall['predicted']} "
            "decisions predicted where a letter states none).")
    table = tables["published"]
    years = set(table.loc[table["publisher"] == BATCH, "year"])
    same = table[table["year"].isin(years) & (table["publisher"] != BATCH)
                 & table["uphold_rate"].notna()]
    if not same.empty:
        text += (f" DWC and CWCI published {same['uphold_rate'].min():.1%}–"
                 f"{same['uphold_rate'].max():.1%} for {_years(sorted(years))} "
                 "(below, with sources).")
    return f"<p class='headline' id='headline'>{text}</p>"


def _batch(tables: dict[str, pd.DataFrame]) -> str:
    errors = tables["errors"]
    return _section(
        "The batch", _table(tables["batch"]), _table(tables["statuses"]),
        _figure(figures.counts(tables["statuses"], "status", "letters", "letters by status")),
        "<h3>Letters by layout</h3>", _table(tables["layouts"]),
        f"<h3>Errors ({len(errors)})</h3>", _table(errors))


def _rates(tables: dict[str, pd.DataFrame]) -> Iterator[str]:
    overall = tables["overall"].iloc[0]
    yield _section(
        "Uphold rate",
        f"<p class='note'>Rates count the decision each letter states; where a letter states "
        f"none ({overall['predicted']} of {overall['items']} items) the model's predicted "
        "decision stands in (column <code>predicted</code>). Intervals are Wilson 95% "
        "intervals; groups of fewer than 10 items are marked and drawn paler.</p>",
        _table(tables["overall"]), _figure(figures.rates(tables["overall"], "overall")))
    for name, what in RATE_SECTIONS.items():
        table = tables[name]
        parts = [_table(table)]
        if not table.empty:
            parts.append(_figure(figures.rates(table, f"uphold rate by {what}")))
        yield _section(f"Uphold rate by {what}", *parts)


def _reasons(table: pd.DataFrame) -> str:
    parts = [_table(table)]
    if not table.empty:
        parts.insert(0, _figure(figures.reasons(table)))
    return _section("Denial reasons of upheld items (predicted)", *parts)


def _model(tables: dict[str, pd.DataFrame]) -> str:
    grid = tables["confusion"].set_index("stated")
    stated = int(grid.to_numpy().sum())
    agree = int(grid.loc["upheld", "predicted_upheld"] + grid.loc["overturned",
                                                                  "predicted_overturned"])
    share = f" ({agree / stated:.1%})" if stated else ""
    return _section(
        "The model against the letters",
        f"<p>The predicted decision agrees with the stated one for {agree} of {stated} items"
        f"{share}.</p>", _table(tables["confusion"]), _figure(figures.confusion(
            tables["confusion"])),
        f"<h3>Items whose reasoning reads unlike their verdict "
        f"({len(tables['disagreements'])}), most likely overturned first</h3>",
        _table(tables["disagreements"]))


def _published(table: pd.DataFrame) -> str:
    return _section(
        "Published figures beside the batch's",
        "<p>DWC's and CWCI's published IMR figures, each with its source; the batch's own "
        "rate for the years its decisions fall in (publisher <em>this batch</em>).</p>",
        _figure(figures.published(table, "uphold_rate", "uphold rate per year")),
        _figure(figures.published(table, "pharmacy_share", "share of pharmacy items per year")),
        _table(table))


def render(tables: dict[str, pd.DataFrame], title: str = "IMR letters: what the batch says"
           ) -> str:
    """The report page of a batch's aggregates.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The aggregates, as `aggregates.build` gives them.
    title : str
        The page's title.

    Returns
    -------
    str
        One HTML document, figures inline; a batch without items gives a page saying so,
        with the batch's section (its errors listed).
    """
    sections = [_batch(tables)]
    items = int(tables["overall"]["items"].sum())
    if items:
        sections = [_headline(tables), *sections, *_rates(tables), _reasons(tables["reasons"]),
                    _model(tables), _published(tables["published"])]
    else:
        letters = tables["statuses"]["letters"].sum()
        errors = len(tables["errors"])
        sections.insert(0, "<p class='note' id='no-items'>This batch has no scored items "
                        f"({letters} letters, {errors} of them unreadable): there are no "
                        "rates to report.</p>")
    title = html.escape(title)
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            f"<h1>{title}</h1>\n" + "\n".join(sections) + "</body></html>\n")
