"""imr-ml: segment and classify California DWC Independent Medical Review letters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from imr_ml.scoring.scorer import load_model

from imr_ml.version import __version__

__all__ = ["__version__", "load_model"]


def __getattr__(name: str) -> Any:
    """`load_model` is imported on first use, so that `import imr_ml.x` stays light."""
    if name == "load_model":
        from imr_ml.scoring.scorer import load_model

        return load_model
    raise AttributeError(f"module 'imr_ml' has no attribute {name!r}")
