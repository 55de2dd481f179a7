"""Config files and `--set` overrides: valid ones load, bad ones fail saying where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_ml.training.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "configs" / "default.yaml"


def test_shipped_configs_load():
    cfg = load_config(DEFAULT)
    assert cfg.model.name == "imr-classifier"
    assert cfg.labels.reasons[:3] == ["no_functional_improvement", "exceeds_guideline_quantity",
                                      "no_indication"]
    real = load_config(ROOT / "configs" / "real.yaml")
    assert real.model.name == "imr-classifier-real"
    assert {c.kind for c in real.data.corpora} == {"synthetic", "real"}


def test_overrides_set_single_keys_with_yaml_values():
    cfg = load_config(DEFAULT, ["models.decision.C=0.5", "splits.cv_folds=2",
                                "models.reasons.features=[word]", "mlflow.register_model=false"])
    assert cfg.models.decision.C == 0.5 and cfg.splits.cv_folds == 2
    assert cfg.models.reasons.features == ["word"] and cfg.mlflow.register_model is False
    assert cfg.flat()["models.decision.C"] == 0.5


@pytest.mark.parametrize("override, message", [
    ("models.decision.C=-1", "models.decision.C: Input should be greater than 0"),
    ("labels.reasons=[other]", "the label set must include"),
    ("models.decision.featurs=[word]", "models.decision.featurs: Extra inputs are not permitted"),
    ("models.reasons.features=[words]", "models.reasons.features.0: Input should be"),
    ("splits.holdout=random", "splits.holdout: Input should be 'style' or 'letter'"),
    ("model.name=has space", "model.name: String should match pattern"),
    ("seed", "is not of the form key=value"),
    ("seed.x=1", "'seed' is not a section"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError) as err:
        load_config(DEFAULT, [override])
    assert message in str(err.value)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(bad)
    bad.write_text("seed: 1\n")
    with pytest.raises(ConfigError, match="data: Field required"):
        load_config(bad)


def test_extends_merges_sections_and_refuses_loops(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text(DEFAULT.read_text())
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nmodels:\n  decision: {C: 0.5}\n")
    cfg = load_config(child)
    assert cfg.models.decision.C == 0.5
    assert cfg.models.decision.features == load_config(DEFAULT).models.decision.features
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\n")
    with pytest.raises(ConfigError, match="loops back"):
        load_config(loop)
