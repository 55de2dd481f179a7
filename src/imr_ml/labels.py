"""The label facts, defined once: decisions, denial reasons, label sources, and which items
count for the reasons targets.

Items are rows of an items table (`imr_ml.corpus.table`) with the columns `decision` and
`reasons_source`; the predicates below take such a table and return a boolean Series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

DECISIONS: tuple[str, ...] = ("upheld", "overturned")
UPHELD, OVERTURNED = DECISIONS

# The denial-reason labels, in the order models and tables list them. The first three are
# the ones the project is judged on (the annotation guide's required reasons).
REASONS: tuple[str, ...] = (
    "no_functional_improvement",
    "exceeds_guideline_quantity",
    "no_indication",
    "not_recommended",
    "other",
)
REQUIRED_REASONS: tuple[str, ...] = REASONS[:3]
FALLBACK_REASON = "other"  # an upheld item whose reasons fit no other label

# Treatment categories and drug classes, as DWC and CWCI group IMR outcomes
# (../shared/real/CATEGORIES.md); a drug class only for pharmacy items.
CATEGORIES: tuple[str, ...] = (
    "pharmacy", "physical_therapy", "chiropractic", "acupuncture", "injections", "dmepos",
    "diagnostics", "surgery", "evaluation_management", "behavioral_health", "home_health",
    "programs", "other",
)
PHARMACY = "pharmacy"
DRUG_CLASSES: tuple[str, ...] = (
    "opioid", "nsaid", "muscle_relaxant", "neuropathic", "antidepressant", "sedative", "topical",
    "gi", "other_drug",
)

# How sure a label is: gold (given by a person or by construction), silver (the decision the
# letter states), weak (reasons from the rule labeller), none (no reasons: overturned, or
# not labelled).
DECISION_SOURCES: tuple[str, ...] = ("gold", "silver")
REASON_SOURCES: tuple[str, ...] = ("gold", "weak", "none")


def learns_reasons(items: pd.DataFrame) -> pd.Series:
    """Items a model may learn reasons from: upheld, with gold or weak reasons."""
    return (items["decision"] == UPHELD) & (items["reasons_source"] != "none")


def scores_reasons(items: pd.DataFrame) -> pd.Series:
    """Items whose reasons can be scored: upheld, with gold reasons (never weak ones)."""
    return (items["decision"] == UPHELD) & (items["reasons_source"] == "gold")


def check_reason_labels(reasons: Sequence[str]) -> None:
    """Refuse a label set without the required reasons, or with a label twice (ValueError)."""
    missing = [label for label in REQUIRED_REASONS if label not in reasons]
    if missing:
        raise ValueError(f"the label set must include {missing}")
    if len(set(reasons)) != len(reasons):
        raise ValueError("reason labels must be unique")
