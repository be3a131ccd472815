"""How a final model fails on the held-out test part, drawn by scikit-learn's displays.

The inputs are ``*_test_outputs.npz`` files in the study folder (no Keras needed):
``best_test_outputs.npz`` is written by the final evaluation of the best trial; an ensemble
writes ``<label>_test_outputs.npz`` in the same format (``y_true``, ``outputs``, ``class_names``,
``task``). Classification gets a confusion matrix and ROC and precision-recall curves;
regression gets predicted-versus-true and residual plots.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable

import numpy as np

from automl.reports._figures import PlotSkipped
from automl.reports._figures import new_figure

__all__ = ["OUTPUTS_SUFFIX", "ModelOutputs", "find_model_outputs", "model_plot_makers", "shorten"]

OUTPUTS_SUFFIX = "_test_outputs.npz"
_MAX_CURVES = 10
_MAX_LABEL_CHARS = 20
_MAX_ANNOTATED_CLASSES = 30
_MAX_MATRIX_INCHES = 20.0


@dataclasses.dataclass(frozen=True)
class ModelOutputs:
    """A model's outputs on the held-out test part, in metric units.

    Args:
        label: Which model: ``"best"`` or an ensemble's label.
        task: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        y_true: Class indices, or target values in original units.
        outputs: Class probabilities ``(n, k)``, or predictions in original units.
        class_names: Class names, index-aligned with the probability columns (empty for
            regression).

    Example:
        >>> import numpy as np
        >>> outputs = ModelOutputs("best", "binary", np.array([0, 1]),
        ...                        np.array([[0.8, 0.2], [0.3, 0.7]]), ["no", "yes"])
        >>> outputs.title
        'best model'
    """

    label: str
    task: str
    y_true: np.ndarray
    outputs: np.ndarray
    class_names: list[str]

    @classmethod
    def load(cls, path: Path) -> ModelOutputs:
        """Reads a ``<label>_test_outputs.npz`` file (without pickle).

        Args:
            path: The file.

        Returns:
            The outputs, labelled by the file name's prefix.

        Example:
            >>> ModelOutputs.load(Path("studies/s/best_test_outputs.npz")).task  # doctest: +SKIP
            'binary'
        """
        with np.load(path, allow_pickle=False) as saved:
            return cls(label=path.name.removesuffix(OUTPUTS_SUFFIX), task=str(saved["task"]),
                       y_true=saved["y_true"], outputs=saved["outputs"],
                       class_names=[str(name) for name in saved["class_names"]])

    @property
    def title(self) -> str:
        """Display name: ``"best model"`` or the ensemble's label."""
        return "best model" if self.label == "best" else self.label.replace("_", " ")


def find_model_outputs(folder: Path) -> list[ModelOutputs]:
    """Loads every ``*_test_outputs.npz`` of a study folder, the best model first.

    Args:
        folder: The study folder.

    Returns:
        The outputs found (empty if the best model was never evaluated).

    Example:
        >>> [o.label for o in find_model_outputs(Path("mlruns/studies/s"))]  # doctest: +SKIP
        ['best', 'ensemble']
    """
    paths = sorted(folder.glob(f"*{OUTPUTS_SUFFIX}"),
                   key=lambda p: (p.name != f"best{OUTPUTS_SUFFIX}", p.name))
    return [ModelOutputs.load(path) for path in paths if not path.name.startswith(".")]


def model_plot_makers(model: ModelOutputs) -> dict[str, Callable[[], Any]]:
    """The plots of one model by name (``<label>_<plot>``), each a function making the figure.

    Args:
        model: The model's test outputs.

    Returns:
        ``{name: make_figure}``: confusion matrix, ROC and PR curves for classification;
        predicted-versus-true and residuals for regression.

    Example:
        >>> sorted(model_plot_makers(outputs))  # doctest: +SKIP
        ['best_confusion_matrix', 'best_pr_curve', 'best_roc_curve']
    """
    if model.task == "regression":
        makers = {"predicted_vs_true": predicted_vs_true, "residuals": residuals}
    else:
        makers = {"confusion_matrix": confusion_matrix, "roc_curve": roc_curves,
                  "pr_curve": precision_recall_curves}
    return {f"{model.label}_{name}": _bind(make, model) for name, make in makers.items()}


def _bind(make: Callable[[ModelOutputs], Any], model: ModelOutputs) -> Callable[[], Any]:
    return lambda: make(model)


def confusion_matrix(model: ModelOutputs) -> Any:
    """Confusion matrix of the predicted classes (argmax of the probabilities).

    Shared by the tabular report and the image artifacts: long class names are shortened,
    the figure grows with the number of classes up to a bound, and the counts are written in
    the cells only while they stay legible.

    Args:
        model: Classification outputs.

    Returns:
        The figure.

    Example:
        >>> confusion_matrix(outputs).savefig("confusion.png")  # doctest: +SKIP
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    k = len(model.class_names)
    labels = [shorten(name, _MAX_LABEL_CHARS) for name in model.class_names]
    figure, axes = new_figure(min(_MAX_MATRIX_INCHES, max(5.0, 0.6 * k + 3.5)),
                              min(_MAX_MATRIX_INCHES, max(4.0, 0.5 * k + 3.0)))
    rotate = k > 4 or max(len(label) for label in labels) > 6
    ConfusionMatrixDisplay.from_predictions(
        model.y_true, model.outputs.argmax(axis=1), labels=list(range(k)),
        display_labels=labels, ax=axes, cmap="Blues", colorbar=True,
        include_values=k <= _MAX_ANNOTATED_CLASSES,
        xticks_rotation=45 if rotate else "horizontal")
    if rotate:
        for label in axes.get_xticklabels():
            label.set(horizontalalignment="right", rotation_mode="anchor")
    if k > _MAX_ANNOTATED_CLASSES:
        axes.tick_params(labelsize=6)
    figure.suptitle(f"Confusion matrix of the {model.title} on the test part "
                    f"({len(model.y_true)} rows)")
    return figure


def shorten(name: str, chars: int) -> str:
    """A name cut to ``chars`` characters, ending with an ellipsis when cut.

    Args:
        name: The name (a class name, for example).
        chars: The most characters kept, the ellipsis included.

    Returns:
        The name, or its beginning and an ellipsis.

    Example:
        >>> shorten("a very long class name", 10)
        'a very lo\u2026'
    """
    name = str(name)
    return name if len(name) <= chars else name[:max(0, chars - 1)] + "\u2026"


def _curve_classes(model: ModelOutputs) -> list[int]:
    """Classes with a curve: the positive class (binary) or each present class (one-vs-rest)."""
    present = set(np.unique(model.y_true).tolist())
    if len(present) < 2:
        raise PlotSkipped("the test part holds a single class, so the curve is undefined")
    if model.task == "binary":
        return [1]
    return [k for k in range(len(model.class_names)) if k in present][:_MAX_CURVES]


def roc_curves(model: ModelOutputs) -> Any:
    """ROC curve (binary) or one-vs-rest ROC curves per class (multiclass).

    Args:
        model: Classification outputs.

    Returns:
        The figure.

    Raises:
        PlotSkipped: If the test part holds a single class.

    Example:
        >>> roc_curves(outputs).savefig("roc.png")  # doctest: +SKIP
    """
    from sklearn.metrics import RocCurveDisplay

    return _one_vs_rest_curves(
        model, RocCurveDisplay, chance_on_last=True,
        labels=("false positive rate", "true positive rate"),
        title=f"ROC curve of the {model.title} on the test part")


def precision_recall_curves(model: ModelOutputs) -> Any:
    """Precision-recall curve (binary) or one-vs-rest curves per class (multiclass).

    Args:
        model: Classification outputs.

    Returns:
        The figure.

    Raises:
        PlotSkipped: If the test part holds a single class.

    Example:
        >>> precision_recall_curves(outputs).savefig("pr.png")  # doctest: +SKIP
    """
    from sklearn.metrics import PrecisionRecallDisplay

    return _one_vs_rest_curves(
        model, PrecisionRecallDisplay, chance_on_last=False,
        labels=("recall", "precision"),
        title=f"Precision-recall curve of the {model.title} on the test part")


def _one_vs_rest_curves(model: ModelOutputs, display: Any, *, chance_on_last: bool,
                        labels: tuple[str, str], title: str) -> Any:
    """One scikit-learn curve display per class (one for binary), drawn on one figure.

    The chance level is drawn once: under the last curve (``chance_on_last``; ROC's diagonal is
    the same for every class), or only when there is a single curve (precision-recall's chance
    level is the class's prevalence, so it differs per class).
    """
    classes = _curve_classes(model)
    figure, axes = new_figure(6.0, 5.0)
    for position, k in enumerate(classes):
        chance = position == len(classes) - 1 if chance_on_last else len(classes) == 1
        display.from_predictions(model.y_true == k, model.outputs[:, k], pos_label=True,
                                 ax=axes, name=_curve_name(model, k), plot_chance_level=chance)
    axes.set(xlabel=labels[0], ylabel=labels[1], title=title)
    return figure


def _curve_name(model: ModelOutputs, k: int) -> str:
    if model.task == "binary":
        return f"positive class '{model.class_names[k]}'"
    return f"'{model.class_names[k]}' vs rest"


def _regression_values(model: ModelOutputs) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(model.y_true, dtype=np.float64).ravel()
    predicted = np.asarray(model.outputs, dtype=np.float64).ravel()
    if len(y_true) < 2:
        raise PlotSkipped(f"needs 2 test rows, found {len(y_true)}")
    return y_true, predicted


def predicted_vs_true(model: ModelOutputs) -> Any:
    """Predicted against true target values, with the diagonal of perfect predictions.

    Args:
        model: Regression outputs.

    Returns:
        The figure.

    Raises:
        PlotSkipped: With fewer than 2 test rows.

    Example:
        >>> predicted_vs_true(outputs).savefig("predicted.png")  # doctest: +SKIP
    """
    from sklearn.metrics import PredictionErrorDisplay

    y_true, predicted = _regression_values(model)
    figure, axes = new_figure(6.0, 5.5)
    PredictionErrorDisplay.from_predictions(y_true, predicted, kind="actual_vs_predicted",
                                            ax=axes, random_state=0,
                                            scatter_kwargs={"alpha": 0.6})
    axes.set_title(f"True against predicted values of the {model.title} (test part)")
    return figure


def residuals(model: ModelOutputs) -> Any:
    """Residuals against predicted values, and their distribution.

    Args:
        model: Regression outputs.

    Returns:
        The figure.

    Raises:
        PlotSkipped: With fewer than 2 test rows.

    Example:
        >>> residuals(outputs).savefig("residuals.png")  # doctest: +SKIP
    """
    from sklearn.metrics import PredictionErrorDisplay

    y_true, predicted = _regression_values(model)
    figure, (scatter, histogram) = new_figure(11.0, 4.5, ncols=2)
    PredictionErrorDisplay.from_predictions(y_true, predicted, kind="residual_vs_predicted",
                                            ax=scatter, random_state=0,
                                            scatter_kwargs={"alpha": 0.6})
    scatter.set_title("Residuals against predicted values")
    histogram.hist(y_true - predicted, bins="auto", color="tab:blue", edgecolor="white")
    histogram.axvline(0.0, color="black", linestyle="--", linewidth=1)
    histogram.set_xlabel("residual (true - predicted)")
    histogram.set_ylabel("test rows")
    histogram.set_title("Distribution of the residuals")
    figure.suptitle(f"Residuals of the {model.title} on the test part")
    return figure
