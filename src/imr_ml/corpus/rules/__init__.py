"""The rule labeller of denial reasons: patterns as data (`patterns`), compiled for speed
(`matcher`), applied with cues, blockers and precedence (`labeller`)."""

from imr_ml.corpus.rules.labeller import ReasonLabeller, shared_labeller
from imr_ml.corpus.rules.patterns import DEFAULT_PATTERNS_PATH, PatternSet, Rule, load_patterns

__all__ = ["DEFAULT_PATTERNS_PATH", "PatternSet", "ReasonLabeller", "Rule", "load_patterns",
           "shared_labeller"]
