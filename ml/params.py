"""How a model is trained and evaluated: the one place for the defaults and their bounds,
shared by the training code, the API, the `train` command and the scheduled retrain."""

from dataclasses import asdict, dataclass
from typing import ClassVar


@dataclass(frozen=True)
class TrainingParams:
    test_size: float = 0.2  # share of rows held out for evaluation (stratified)
    min_per_class: int = 5  # categories with fewer rows are left out of the model
    seed: int = 42  # the split and the model's randomness

    TEST_SIZE_MIN: ClassVar[float] = 0.05
    TEST_SIZE_MAX: ClassVar[float] = 0.5
    MIN_PER_CLASS_MIN: ClassVar[int] = 2

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_TRAINING = TrainingParams()


@dataclass(frozen=True)
class SelectionParams:
    """How training chooses its configuration and when the model may decide
    (config/settings.py reads them from ML_SELECTION_MAX_ROWS, ML_SELECTION_FOLDS and
    ML_TARGET_PRECISION)."""

    max_rows: int = 20_000  # the cross-validation runs on a stratified sample of this size
    folds: int = 3  # stratified folds of that cross-validation
    target_precision: float = 0.90  # the model decides where its precision reaches this

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_SELECTION = SelectionParams()
