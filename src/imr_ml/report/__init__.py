"""What a batch of scored letters says: aggregates (`build`) and an HTML page (`render`)."""

from imr_ml.report.aggregates import build, concat
from imr_ml.report.render import render

__all__ = ["build", "concat", "render"]
