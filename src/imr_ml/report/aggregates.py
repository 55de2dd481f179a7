"""The aggregates of a scored batch: uphold rates by group, reasons, disagreements, the batch.

Every aggregate is a DataFrame; `build` returns them by name (the names of `--tables`' CSVs).
An item's decision is the one its letter states, else the predicted one (`predicted` counts
those); rates carry a Wilson 95% interval and groups of fewer than `SMALL` items are marked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from imr_ml.report.intervals import wilson
from imr_ml.report.published import beside

SMALL = 10  # groups with fewer items are marked `small`
RATE_COLUMNS = ["group", "items", "upheld", "uphold_rate", "ci_low", "ci_high", "predicted",
                "small"]
GUIDELINE_SOURCES = ("MTUS", "ACOEM", "ODG")
NONE = "(none)"
# the columns the aggregates read; a scores file lacking one (score-table's) reads as empty
COLUMNS = ("source", "row", "letter_id", "item_index", "item_text", "layout", "case_number",
           "decision_stated", "decision_pred", "p_overturned", "reasons_pred", "evidence",
           "guidelines", "category", "drug_class", "decision_date", "reviewer_specialty",
           "status", "error")
RATE_TABLES = {"by_category": "category", "by_drug_class": "drug_class",
               "by_guideline": "guideline_source", "by_specialty": "reviewer_specialty",
               "by_month": "month"}


def _as_list(value: Any) -> list[str]:
    """A list cell (a list, a NumPy array from Parquet, or nothing) as a list of strings."""
    if value is None or isinstance(value, float | str):
        return [value] if isinstance(value, str) and value else []
    return [str(v) for v in value]


def guideline_source(label: str) -> str:
    """The source of a citation label ("MTUS (Chronic Pain): …" → MTUS); else `other`."""
    word = re.match(r"\w*", label).group(0).upper()
    return word if word in GUIDELINE_SOURCES else "other"


def items_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The scored items (`ok` rows) with `decision`, `predicted` and the grouping columns.

    Parameters
    ----------
    frame : DataFrame
        Rows of `imr-ml score` or `score-table` (any subset of their columns).

    Returns
    -------
    DataFrame
        One row per item: `decision` (stated, else predicted), `predicted` (whether it was
        predicted), `upheld`, `month` (YYYY-MM of the decision date), list columns
        `guideline_source` and `reviewer_specialty`, and the columns of `COLUMNS`.
    """
    frame = frame.reindex(columns=list(dict.fromkeys([*frame.columns, *COLUMNS])))
    items = frame[frame["status"] == "ok"].copy()
    stated = items["decision_stated"].where(items["decision_stated"].isin(["upheld",
                                                                           "overturned"]))
    items["predicted"] = stated.isna()
    items["decision"] = stated.fillna(items["decision_pred"])
    items["upheld"] = items["decision"] == "upheld"
    items["month"] = items["decision_date"].map(
        lambda d: d[:7] if isinstance(d, str) and len(d) >= 7 else NONE)
    for column in ("category", "drug_class"):
        items[column] = items[column].where(items[column].notna() & (items[column] != ""), NONE)
    items["reasons_pred"] = items["reasons_pred"].map(_as_list)
    items["reviewer_specialty"] = items["reviewer_specialty"].map(lambda v: _as_list(v) or [NONE])
    items["guideline_source"] = items["guidelines"].map(
        lambda v: sorted({guideline_source(g) for g in _as_list(v)}) or [NONE])
    return items.reset_index(drop=True)


def rates(items: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Uphold rates of `items` (of `items_frame`) by the column `by` (lists exploded), or
    overall; columns `RATE_COLUMNS`, the largest groups first (months in order), `(none)` last.

    Parameters
    ----------
    items : DataFrame
        Items as `items_frame` gives them.
    by : str, optional
        The grouping column; None for one row, group `all`.

    Returns
    -------
    DataFrame
        One row per group.
    """
    if by is None:
        groups = items.assign(group="all")
    else:
        groups = items.explode(by).rename(columns={by: "group"})
    rows = []
    for group, part in groups.groupby("group", sort=True):
        n, upheld = len(part), int(part["upheld"].sum())
        low, high = wilson(upheld, n)
        rows.append([group, n, upheld, upheld / n, low, high, int(part["predicted"].sum()),
                     n < SMALL])
    table = pd.DataFrame(rows, columns=RATE_COLUMNS)
    keys = {"last": True, "group": True} if by == "month" else {"last": True, "items": False,
                                                                 "group": True}
    table = table.assign(last=table["group"] == NONE).sort_values(
        list(keys), ascending=list(keys.values()), kind="stable").drop(columns="last")
    return table.reset_index(drop=True)


def reasons(items: pd.DataFrame) -> pd.DataFrame:
    """The share of each predicted reason among upheld items, overall and by category.

    Parameters
    ----------
    items : DataFrame
        Items as `items_frame` gives them.

    Returns
    -------
    DataFrame
        Columns `group` (`all` or a category), `reason`, `upheld` (upheld items of the group),
        `count` (of them with the reason) and `share`.
    """
    upheld = items[items["upheld"]]
    rows = []
    for group, part in [("all", upheld), *upheld.groupby("category", sort=True)]:
        counts = pd.Series([r for rs in part["reasons_pred"] for r in rs], dtype=object)
        for reason, count in counts.value_counts().sort_index().items():
            rows.append([group, reason, len(part), int(count), count / len(part)])
    return pd.DataFrame(rows, columns=["group", "reason", "upheld", "count", "share"])


EVIDENCE_SEPARATOR = " | "


def _evidence(value: Any) -> str:
    """The evidence sentences of an `evidence` cell (JSON: reason → {text, …}), each after
    the reasons it is evidence for ("no_indication: …"), apart by `EVIDENCE_SEPARATOR`."""
    try:
        found = json.loads(value) if isinstance(value, str) else {}
    except json.JSONDecodeError:
        return ""
    reasons_of: dict[str, list[str]] = {}
    for reason, sentence in found.items() if isinstance(found, dict) else ():
        if isinstance(sentence, dict) and sentence.get("text"):
            reasons_of.setdefault(sentence["text"], []).append(reason)
    return EVIDENCE_SEPARATOR.join(f"{', '.join(reasons)}: {text}"
                                   for text, reasons in reasons_of.items())


def disagreements(items: pd.DataFrame) -> pd.DataFrame:
    """Items whose predicted decision differs from the stated one, most likely overturned
    first, with case number, item and the evidence sentence of each predicted reason.

    Parameters
    ----------
    items : DataFrame
        Items as `items_frame` gives them.

    Returns
    -------
    DataFrame
        Columns `case_number, letter_id, item_index, item_text, decision_stated,
        decision_pred, p_overturned, evidence`.
    """
    differ = items[~items["predicted"] & items["decision_pred"].notna()
                   & (items["decision_pred"] != items["decision_stated"])]
    table = differ.sort_values("p_overturned", ascending=False, kind="stable").assign(
        evidence=lambda t: t["evidence"].map(_evidence))
    return table[["case_number", "letter_id", "item_index", "item_text", "decision_stated",
                  "decision_pred", "p_overturned", "evidence"]].reset_index(drop=True)


def confusion(items: pd.DataFrame) -> pd.DataFrame:
    """Stated (rows) against predicted (columns) decisions of the items stating one."""
    stated = items[~items["predicted"] & items["decision_pred"].notna()]
    labels = ["upheld", "overturned"]
    table = pd.crosstab(pd.Categorical(stated["decision_stated"], labels),
                        pd.Categorical(stated["decision_pred"], labels), dropna=False)
    table.index.name, table.columns.name = "stated", None
    return table.add_prefix("predicted_").reset_index().astype({"stated": str})


def _letters(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per letter (per input row of score-table output), named in `file`."""
    return frame.assign(file=frame["source"].fillna(frame["row"].astype(str))
                        ).drop_duplicates("file")


def batch(frame: pd.DataFrame, items: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The batch: its counts (`batch`), letters by status (`statuses`), the errors by file
    (`errors`) and letters by layout (`layouts`).

    Parameters
    ----------
    frame : DataFrame
        All rows of the batch, as `items_frame` reads them.
    items : DataFrame
        Its items, as `items_frame` gives them.

    Returns
    -------
    dict of str to DataFrame
    """
    letters = _letters(frame)
    dates = items["decision_date"].dropna()
    dates = dates[dates.map(lambda d: isinstance(d, str) and bool(d))]
    facts = [("letters", len(letters)), ("items", len(items)),
             ("decisions predicted (none stated)", int(items["predicted"].sum())),
             ("first decision date", dates.min() if len(dates) else ""),
             ("last decision date", dates.max() if len(dates) else "")]
    statuses = letters["status"].value_counts().reindex(["ok", "no_items", "error"],
                                                        fill_value=0)
    errors = letters[letters["status"] == "error"]
    layouts = letters[letters["status"] == "ok"]["layout"].fillna(NONE).value_counts()
    return {
        "batch": pd.DataFrame(facts, columns=["what", "value"]).astype({"value": str}),
        "statuses": statuses.rename_axis("status").reset_index(name="letters"),
        "errors": errors[["file", "error"]].reset_index(drop=True),
        "layouts": layouts.rename_axis("layout").reset_index(name="letters"),
    }


def build(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every aggregate of a scored batch, by name.

    Parameters
    ----------
    frame : DataFrame
        Rows of `imr-ml score` / `score-table` output (several files concatenated).

    Returns
    -------
    dict of str to DataFrame
        `overall`, `by_category`, `by_drug_class` (pharmacy items), `by_guideline`,
        `by_specialty`, `by_month`, `reasons`, `disagreements`, `confusion`, `published`
        (the published figures beside the batch's per year), and the batch's
        `batch`, `statuses`, `errors`, `layouts`.
    """
    frame = frame.reindex(columns=list(dict.fromkeys([*frame.columns, *COLUMNS])))
    items = items_frame(frame)
    tables = {"overall": rates(items)}
    pharmacy = items[items["category"] == "pharmacy"]
    for name, column in RATE_TABLES.items():
        tables[name] = rates(pharmacy if name == "by_drug_class" else items, column)
    return tables | {"reasons": reasons(items), "disagreements": disagreements(items),
                     "confusion": confusion(items), "published": beside(items[items["month"] != NONE]),
                     **batch(frame, items)}


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Several scores tables as one (columns united; a missing column is empty)."""
    frames = list(frames)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
