"""The report's figures, as pure functions: an aggregate table in, a matplotlib Figure out;
`svg` turns a Figure into markup to inline in the page."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

SMALL_COLOUR, COLOUR, BATCH_COLOUR = "#b8c4d6", "#2f5d8a", "#c2412d"


def svg(fig: Figure) -> str:
    """A Figure as an inline `<svg>` element (text kept as text, no XML prologue)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "imr-ml"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _bars(labels: list[str], values: pd.Series, colour: str | list[str],
          width: float) -> tuple[Figure, Axes, np.ndarray]:
    """Horizontal bars, the first label on top; the figure, its axes and the bars' y."""
    fig = Figure(figsize=(width, 0.8 + 0.28 * max(len(labels), 1)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(labels))[::-1]
    ax.barh(y, values, color=colour)
    ax.set_yticks(y, labels, fontsize=8)
    return fig, ax, y


def rates(table: pd.DataFrame, title: str) -> Figure:
    """Uphold rates with their 95% intervals, one bar per group; small groups paler.

    Parameters
    ----------
    table : DataFrame
        Columns `group, items, uphold_rate, ci_low, ci_high, small` (`aggregates.rates`).
    title : str
        The figure's title.

    Returns
    -------
    Figure
    """
    fig, ax, y = _bars([f"{g} (n={n})" for g, n in zip(table["group"], table["items"])],
                       table["uphold_rate"],
                       [SMALL_COLOUR if small else COLOUR for small in table["small"]], 7)
    ax.errorbar(table["uphold_rate"], y, xerr=[table["uphold_rate"] - table["ci_low"],
                                               table["ci_high"] - table["uphold_rate"]],
                fmt="none", ecolor="black", capsize=2, linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("uphold rate (bars: 95% Wilson interval; pale: fewer than 10 items)")
    ax.set_title(title)
    return fig


def reasons(table: pd.DataFrame) -> Figure:
    """The share of each reason among upheld items, overall and by category (a heat map).

    Parameters
    ----------
    table : DataFrame
        Columns `group, reason, upheld, share` (`aggregates.reasons`).

    Returns
    -------
    Figure
    """
    grid = table.pivot(index="group", columns="reason", values="share").fillna(0.0)
    grid = grid.loc[["all", *[g for g in grid.index if g != "all"]]]
    counts = table.drop_duplicates("group").set_index("group")["upheld"]
    fig = Figure(figsize=(1.6 + 1.3 * grid.shape[1], 0.9 + 0.32 * grid.shape[0]),
                 layout="constrained")
    ax = fig.subplots()
    ax.imshow(grid.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for (i, j), share in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, f"{share:.0%}", ha="center", va="center", fontsize=7,
                color="white" if share > 0.6 else "black")
    ax.set_xticks(range(grid.shape[1]), [r.replace("_", " ") for r in grid.columns],
                  rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(grid.shape[0]), [f"{g} (n={counts[g]})" for g in grid.index],
                  fontsize=8)
    ax.set_title("share of upheld items giving each reason")
    return fig


def confusion(table: pd.DataFrame) -> Figure:
    """Stated against predicted decisions, as counts in a grid.

    Parameters
    ----------
    table : DataFrame
        Column `stated` and one `predicted_*` column per decision (`aggregates.confusion`).

    Returns
    -------
    Figure
    """
    grid = table.set_index("stated")
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.imshow(grid.to_numpy(), cmap="Blues", aspect="auto")
    top = grid.to_numpy().max() or 1
    for (i, j), count in np.ndenumerate(grid.to_numpy()):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > top / 2 else "black")
    ax.set_xticks(range(grid.shape[1]), [c.removeprefix("predicted_") for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), list(grid.index))
    ax.set_xlabel("predicted")
    ax.set_ylabel("stated in the letter")
    return fig


def published(table: pd.DataFrame, column: str, title: str) -> Figure:
    """A published figure per year and publisher, the batch's beside it (with its interval
    where it has one).

    Parameters
    ----------
    table : DataFrame
        Columns `year, publisher, <column>` and, for the batch, `ci_low, ci_high`
        (`published.beside`).
    column : str
        `uphold_rate` or `pharmacy_share`.
    title : str
        The figure's title.

    Returns
    -------
    Figure
    """
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    for publisher, part in table.dropna(subset=[column]).groupby("publisher"):
        batch = publisher == "this batch"
        ax.plot(part["year"], part[column], marker="o", linestyle="none" if batch else "-",
                color=BATCH_COLOUR if batch else None, label=publisher)
        if batch and column == "uphold_rate":
            ax.errorbar(part["year"], part[column], yerr=[part[column] - part["ci_low"],
                                                          part["ci_high"] - part[column]],
                        fmt="none", ecolor=BATCH_COLOUR, capsize=3)
    ax.set_ylim(0, 1)
    ax.set_xlabel("year")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


def counts(table: pd.DataFrame, label: str, value: str, title: str) -> Figure:
    """Counts as horizontal bars (letters by status, by layout).

    Parameters
    ----------
    table : DataFrame
        A column of labels and one of counts.
    label, value : str
        Their names.
    title : str
        The figure's title.

    Returns
    -------
    Figure
    """
    fig, ax, _ = _bars([str(v) for v in table[label]], table[value], COLOUR, 6)
    ax.set_xlabel(value)
    ax.set_title(title)
    return fig
