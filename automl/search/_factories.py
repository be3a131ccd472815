"""Samplers and pruners by name (``--sampler``, ``--pruner``)."""

from __future__ import annotations

import importlib.util
import warnings

import optuna

from automl.config import PRUNERS
from automl.config import SAMPLERS
from automl.exceptions import ConfigError
from automl.exceptions import MissingDependencyError

__all__ = ["make_sampler", "make_pruner"]


def make_sampler(name: str, seed: int | None) -> optuna.samplers.BaseSampler:
    """Creates an Optuna sampler.

    ``"grid"`` returns a random sampler: the grid's combinations are enqueued into the study by
    the runner (so conditional parameters are enumerated without duplicates, and several workers
    share one queue) and this sampler is only a fallback.

    Args:
        name: One of ``tpe``, ``random``, ``grid``, ``gp``, ``cmaes``.
        seed: Sampler seed, or ``None``.

    Returns:
        The sampler.

    Raises:
        ConfigError: Unknown name.
        MissingDependencyError: ``gp`` without PyTorch, or ``cmaes`` without the cmaes package.

    Example:
        >>> type(make_sampler("random", seed=0)).__name__
        'RandomSampler'
    """
    if name == "tpe":  # group=True samples conditional parameters jointly (experimental)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(
                seed=seed, multivariate=True, group=True, constant_liar=True
            )
    if name in ("random", "grid"):
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "gp":
        _require("torch", "The 'gp' sampler needs PyTorch", "gp")
        return optuna.samplers.GPSampler(seed=seed)
    if name == "cmaes":
        _require("cmaes", "The 'cmaes' sampler needs the cmaes package", None)
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise ConfigError(f"Invalid value for '--sampler': expected one of {list(SAMPLERS)}. "
                      f"Received: {name!r}.")


def _require(module: str, what: str, extra: str | None) -> None:
    if importlib.util.find_spec(module) is not None:
        return
    how = f"pip install 'automl[{extra}]'" if extra else f"pip install {module}"
    raise MissingDependencyError(f"{what}, which is not installed. Install it with: {how}")


def make_pruner(name: str, max_epochs: int) -> optuna.pruners.BasePruner:
    """Creates an Optuna pruner fed once per epoch.

    Args:
        name: One of ``median``, ``hyperband``, ``sha``, ``none``.
        max_epochs: Epochs per trial at most (Hyperband's maximum resource).

    Returns:
        The pruner.

    Example:
        >>> type(make_pruner("none", max_epochs=10)).__name__
        'NopPruner'
    """
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max(max_epochs, 3), reduction_factor=3
        )
    if name == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=3)
    if name == "none":
        return optuna.pruners.NopPruner()
    raise ConfigError(f"Invalid value for '--pruner': expected one of {list(PRUNERS)}. "
                      f"Received: {name!r}.")
