"""InputSpec: what a model builder needs to know about the data, as plain values."""

from __future__ import annotations

import dataclasses
from typing import Any

TASKS = ("binary", "multiclass", "regression")
KINDS = ("tabular", "image")


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """Description of a dataset's model inputs and outputs, handed to model builders.

    Args:
        kind: ``"tabular"`` or ``"image"``.
        input_shape: Shape of one input example after preprocessing, without the batch axis
            (``(n_features,)`` for tabular data, ``(height, width, channels)`` for images).
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        n_classes: Number of classes (2 for binary), 0 for regression.
        class_names: Class labels as strings, in the order of the model's outputs.
        feature_names: Names of the preprocessed features (tabular only).

    Example:
        >>> spec = InputSpec(kind="tabular", input_shape=(4,), task="binary", n_classes=2)
        >>> spec.n_outputs
        1
    """

    kind: str
    input_shape: tuple[int, ...]
    task: str
    n_classes: int = 0
    class_names: tuple[str, ...] = ()
    feature_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"InputSpec.kind must be one of {KINDS}. Received: {self.kind!r}")
        if self.task not in TASKS:
            raise ValueError(f"InputSpec.task must be one of {TASKS}. Received: {self.task!r}")
        if self.task == "regression" and self.n_classes != 0:
            raise ValueError(f"A regression InputSpec has n_classes=0. Received: {self.n_classes}")
        if self.task != "regression" and self.n_classes < 2:
            raise ValueError(f"A {self.task} InputSpec needs n_classes >= 2. Received: {self.n_classes}")
        object.__setattr__(self, "input_shape", tuple(int(d) for d in self.input_shape))
        object.__setattr__(self, "class_names", tuple(str(c) for c in self.class_names))
        object.__setattr__(self, "feature_names", tuple(str(c) for c in self.feature_names))

    @property
    def is_classification(self) -> bool:
        """True for binary and multiclass tasks."""
        return self.task != "regression"

    @property
    def n_outputs(self) -> int:
        """Width of the model's output layer: 1 for binary and regression, k for multiclass."""
        return self.n_classes if self.task == "multiclass" else 1

    def to_dict(self) -> dict[str, Any]:
        """Returns the spec as JSON-ready plain values."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> InputSpec:
        """Rebuilds a spec written by :meth:`to_dict`."""
        return cls(**values)


class ImageShapeMixin:
    """``class_names``, ``image_size`` and ``channels`` read off ``self.spec`` (an image spec),
    for the objects that carry one: image datasets and image model bundles."""

    spec: InputSpec

    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names in label order (label ``i`` is ``class_names[i]``)."""
        return self.spec.class_names

    @property
    def image_size(self) -> tuple[int, int]:
        """``(height, width)`` every image is resized to."""
        return self.spec.input_shape[0], self.spec.input_shape[1]

    @property
    def channels(self) -> int:
        """1 (grayscale) or 3 (RGB)."""
        return self.spec.input_shape[2]
