"""The Wilson score interval of a proportion."""

from __future__ import annotations

import math

Z = 1.959963984540054  # the normal quantile of a two-sided 95% interval


def wilson(upheld: int, items: int) -> tuple[float, float]:
    """The Wilson score 95% interval of `upheld` of `items`; NaNs for no items.

    Parameters
    ----------
    upheld, items : int
        Successes and trials.

    Returns
    -------
    tuple of float
        The interval's low and high ends, within [0, 1].
    """
    if not items:
        return math.nan, math.nan
    p = upheld / items
    centre = (p + Z * Z / (2 * items)) / (1 + Z * Z / items)
    half = Z * math.sqrt(p * (1 - p) / items + Z * Z / (4 * items * items)) / (1 + Z * Z / items)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # p within, exactly
