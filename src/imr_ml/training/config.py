"""The training configuration: YAML validated by typed models, with `key=value` overrides.

A config names the data, the splits, the baselines and MLflow's settings, and the model's
settings, which `classifier()` turns into an `ImrClassifier`'s parameters. Relative paths in
a config are read from the project root (`imr_ml.paths`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from imr_ml.corpus.splits import HALVES
from imr_ml.errors import ConfigError
from imr_ml.labels import check_reason_labels
from imr_ml.model.classifier import (
    CALIBRATIONS,
    CLASSIFIERS,
    DECISION_VALIDATIONS,
    ImrClassifier,
    check_threshold_source,
)
from imr_ml.model.features import BRANCHES


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CorpusConfig(_Strict):
    path: Path
    kind: Literal["synthetic", "real"]
    # sample weight of this corpus's items when fitting (a few real letters among thousands
    # of synthetic ones can be made to count)
    weight: float = Field(1.0, gt=0)
    # a real corpus's working or held-back half only (experiments/PROTOCOL.md); unset: all
    half: Literal[HALVES] | None = None
    # where the folder is absent: skipped (with a line saying so) instead of an error
    optional: bool = False


class DataConfig(_Strict):
    corpora: list[CorpusConfig] = Field(min_length=1)
    # labelled corpora the final model is only scored on (skipped where absent): on the letters
    # it was not trained on, and for a real corpus on each half of them apart
    evaluate: list[Path] = []


class LabelsConfig(_Strict):
    reasons: list[str] = Field(min_length=1)

    @field_validator("reasons")
    @classmethod
    def _required_present(cls, reasons: list[str]) -> list[str]:
        check_reason_labels(reasons)
        return reasons


Branch = Literal[BRANCHES]


class VectorizerConfig(_Strict):
    ngram_range: tuple[int, int] = (1, 2)
    min_df: int = Field(1, ge=1)
    max_features: int | None = Field(None, ge=1)


class FeaturesConfig(_Strict):
    mask_verdicts: bool = True
    negation: bool = True
    rule_scale: float = Field(1.0, gt=0)
    word: VectorizerConfig = VectorizerConfig()
    char: VectorizerConfig = VectorizerConfig(ngram_range=(3, 5))
    item_text: VectorizerConfig = VectorizerConfig()


class ClassifierConfig(_Strict):
    classifier: Literal[CLASSIFIERS] = "logistic_regression"
    C: float = Field(1.0, gt=0)
    class_weight: Literal["balanced"] | None = "balanced"
    calibration: Literal[CALIBRATIONS] | None = "sigmoid"
    tune_thresholds: bool = False
    # tuned threshold: the lowest whose validation F1 is within this of the best (0: the
    # best itself; experiments/threshold_low_edge.yaml tries 0.01)
    threshold_tolerance: float = Field(0.0, ge=0, lt=1)
    features: list[Branch] = Field(["word", "char", "item_text", "rules"], min_length=1)


class CategoryConfig(_Strict):
    """The treatment category model (`imr_ml.model.category`): lexicon, then item text."""
    C: float = Field(4.0, gt=0)


class ModelsConfig(_Strict):
    decision: ClassifierConfig = ClassifierConfig()
    reasons: ClassifierConfig = ClassifierConfig(tune_thresholds=True)
    # lower a surgery's associated services with its predicted decision (letter_context.py)
    letter_context: bool = True
    category: CategoryConfig = CategoryConfig()


class SplitsConfig(_Strict):
    holdout: Literal["style", "letter"] = "style"
    holdout_family: int = 2
    test_size: float = Field(0.2, gt=0, lt=1)
    validation_size: float = Field(0.2, gt=0, lt=1)
    # Where the decision model's calibration and threshold come from. "letter": the random
    # validation letters above; "style": predictions cross-fitted over phrasing groups (a
    # model fitted on the other style families, or letter folds where families are unknown,
    # predicts each group), then the model is refitted on all training letters.
    decision_validation: Literal[DECISION_VALIDATIONS] = "letter"
    # A corpus kind (e.g. real) whose letters set the decision threshold, where the training
    # data has some: each of `threshold_folds` letter folds of that kind is predicted by a
    # decision model fitted and calibrated without it, and the threshold is the one with the
    # best macro-F1 on those predictions. Unset: the validation letters set it.
    threshold_corpus: Literal["synthetic", "real"] | None = None
    threshold_folds: int = Field(5, ge=2)
    # Sample weights for that corpus's items in the decision model, chosen by the same
    # cross-fitted predictions (the weight whose best threshold scores the best macro-F1;
    # the first on ties): nested inside training, so no evaluated letter takes part.
    # Empty: the corpus's own `weight`.
    threshold_corpus_weights: list[float] = []
    # A corpus kind (e.g. real) whose items set the reasons model's thresholds: they take no
    # part in any fit, and each label's threshold is the one with the best F1 on the model's
    # predictions for them. Unset, or no such items: the validation letters set them.
    reason_threshold_corpus: Literal["synthetic", "real"] | None = None
    # a style family whose letters are left out of training and testing alike: for choosing
    # settings by `python -m imr_ml.training.experiments --select` without seeing the test family
    exclude_family: int | None = None
    cv_folds: int = Field(5, ge=0)  # 0: no cross-validation (e.g. for quick ablations)

    @model_validator(mode="after")
    def _one_threshold_source(self) -> SplitsConfig:
        check_threshold_source(self.decision_validation, self.threshold_corpus,
                               self.threshold_corpus_weights)
        return self


class MlflowConfig(_Strict):
    experiment: str = "imr-ml"
    register_model: bool = True


class ModelConfig(_Strict):
    name: str = Field("imr-classifier", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    dir: Path = Path("models")  # relative: from the project root


class Config(_Strict):
    seed: int = 0
    data: DataConfig
    labels: LabelsConfig
    features: FeaturesConfig = FeaturesConfig()
    models: ModelsConfig = ModelsConfig()
    splits: SplitsConfig = SplitsConfig()
    baselines: list[Literal["majority", "rules", "spacy_textcat"]] = ["majority", "rules"]
    mlflow: MlflowConfig = MlflowConfig()
    model: ModelConfig = ModelConfig()

    def flat(self) -> dict[str, Any]:
        """The config as dotted keys, e.g. {"models.decision.C": 4.0}, for MLflow params."""
        return _flatten(self.model_dump(mode="json"))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= _flatten(value, f"{name}.")
        else:
            out[name] = value
    return out


def _apply_override(tree: dict[str, Any], override: str) -> None:
    key, sep, raw = override.partition("=")
    if not sep or not key:
        raise ConfigError(f"override {override!r} is not of the form key=value")
    *parents, leaf = key.strip().split(".")
    node = tree
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {override!r}: '{part}' is not a section")
        node = child
    node[leaf] = yaml.safe_load(raw)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`, section by section (lists and values are replaced, not merged)."""
    out = dict(base)
    for key, value in top.items():
        both_sections = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = _merge(base[key], value) if both_sections else value
    return out


def _read_tree(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A config file as a mapping, with the file it `extends` (relative to it) beneath it."""
    if path.resolve() in seen:
        raise ConfigError(f"{path}: `extends` loops back to itself")
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as err:
        raise ConfigError(f"{path}: cannot read config ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(tree, dict):
        raise ConfigError(f"{path}: a config must be a mapping of sections")
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    return _merge(_read_tree(path.parent / parent, (*seen, path.resolve())), tree)


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Read (with what it extends), override and validate a config; errors say where."""
    path = Path(path)
    tree = _read_tree(path)
    for override in overrides:
        _apply_override(tree, override)
    try:
        return Config.model_validate(tree)
    except ValidationError as err:
        lines = [
            f"  {'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in err.errors()
        ]
        raise ConfigError(f"{path}: invalid config\n" + "\n".join(lines)) from None


def classifier(cfg: Config) -> ImrClassifier:
    """The unfitted model a config describes."""
    f, d, r = cfg.features, cfg.models.decision, cfg.models.reasons
    return ImrClassifier(
        tuple(cfg.labels.reasons),
        decision_features=tuple(d.features), reason_features=tuple(r.features),
        mask_verdicts=f.mask_verdicts, negation=f.negation, rule_scale=f.rule_scale,
        **{f"{name}_{key}": value for name in ("word", "char", "item_text")
           for key, value in getattr(f, name).model_dump().items()},
        **{f"{kind}_{key}": getattr(c, key) for kind, c in (("decision", d), ("reason", r))
           for key in ("classifier", "C", "class_weight", "calibration", "threshold_tolerance")},
        tune_decision_threshold=d.tune_thresholds, tune_reason_thresholds=r.tune_thresholds,
        letter_context=cfg.models.letter_context,
        category_C=cfg.models.category.C,
        validation_size=cfg.splits.validation_size,
        decision_validation=cfg.splits.decision_validation,
        threshold_corpus=cfg.splits.threshold_corpus,
        threshold_folds=cfg.splits.threshold_folds,
        threshold_corpus_weights=tuple(cfg.splits.threshold_corpus_weights),
        reason_threshold_corpus=cfg.splits.reason_threshold_corpus,
        random_state=cfg.seed,
    )
