"""Where things are: the project root, and the default files and folders under it.

Run from a checkout (this package imported from `<root>/src/imr_ml`, beside the
`pyproject.toml` of imr-ml), defaults resolve from the checkout's root, whatever the current
folder (cookiecutter-data-science's `PROJ_ROOT`). Where the package is installed elsewhere
(site-packages), they resolve from the current folder. Paths a user types on the command
line are never re-anchored: they are read from the current folder.
"""

from __future__ import annotations

from pathlib import Path


def _checkout_root() -> Path | None:
    """The root of the checkout this package runs from, or None where it is installed."""
    root = Path(__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    try:
        if root.joinpath("src", "imr_ml").is_dir() and 'name = "imr-ml"' in pyproject.read_text():
            return root
    except OSError:
        pass
    return None


PROJ_ROOT: Path = _checkout_root() or Path()
MODELS_DIR = PROJ_ROOT / "models"
LATEST = MODELS_DIR / "LATEST"  # the model `imr-ml train` produced last
CONFIGS_DIR = PROJ_ROOT / "configs"
DEFAULT_CONFIG = CONFIGS_DIR / "default.yaml"
TRACKING_DB = PROJ_ROOT / "mlflow.db"


def from_root(path: str | Path) -> Path:
    """A path of a config file (data, models), relative ones taken from `PROJ_ROOT`."""
    return PROJ_ROOT / path
