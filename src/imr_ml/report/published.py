"""The IMR figures DWC and CWCI published (package data, with their sources) beside a batch's.

`imr_outcomes.csv` is `../shared/published/imr_outcomes.csv` as it was shipped, and
`imr_outcomes.md` says what its columns mean; keep the `source` column with any figure shown.
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

from imr_ml.report.intervals import wilson

BATCH = "this batch"
COLUMNS = ["year", "publisher", "letters", "item_decisions", "uphold_rate", "ci_low", "ci_high",
           "pharmacy_share", "source"]


def published() -> pd.DataFrame:
    """The published figures: one row per year and publisher (DWC, CWCI), with `source`."""
    with files("imr_ml.report").joinpath("imr_outcomes.csv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle).astype({"letters": "Int64", "item_decisions": "Int64"})


def beside(dated: pd.DataFrame) -> pd.DataFrame:
    """The published figures and, for each year the batch's decisions fall in, its own.

    Parameters
    ----------
    dated : DataFrame
        The items with a decision date, as `aggregates.items_frame` gives them.

    Returns
    -------
    DataFrame
        Columns `COLUMNS`, by year; the batch's rows have publisher `this batch`, a Wilson
        95% interval of the uphold rate and the share of pharmacy items.
    """
    rows = []
    for year, part in dated.groupby(dated["month"].map(lambda month: int(month[:4]))):
        upheld, n = int(part["upheld"].sum()), len(part)
        low, high = wilson(upheld, n)
        predicted = int(part["predicted"].sum())
        rows.append([year, BATCH, part["source"].nunique(), n, upheld / n, low, high,
                     (part["category"] == "pharmacy").mean(),
                     f"scored letters: {n} items, {predicted} decisions predicted"])
    ours = pd.DataFrame(rows, columns=COLUMNS).astype({"letters": "Int64",
                                                      "item_decisions": "Int64"})
    table = pd.concat([published().reindex(columns=COLUMNS), ours] if rows
                      else [published().reindex(columns=COLUMNS)], ignore_index=True)
    return table.sort_values(["year", "publisher"], kind="stable").reset_index(drop=True)
