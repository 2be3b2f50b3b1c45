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
