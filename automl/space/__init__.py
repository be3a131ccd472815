"""Search spaces: parameters, conditions, sampling with Optuna, grids and YAML files.

A :class:`SearchSpace` names a model builder, its parameters (:class:`Int`, :class:`Float`,
:class:`Categorical`, :class:`Fixed`, each optionally conditional with ``when``) and constants.
``space.sample(trial)`` returns the plain dict a builder consumes; builders never see Optuna.

Example:
    >>> from automl.space import Categorical, Float, SearchSpace
    >>> space = SearchSpace("mlp", {
    ...     "optimizer": Categorical(["adam", "sgd"]),
    ...     "learning_rate": Float(1e-4, 1e-1, log=True),
    ... })
    >>> space.names
    ['optimizer', 'learning_rate']
"""

from __future__ import annotations

from automl.space._conditions import CONTEXT_KEYS
from automl.space._grid import MAX_GRID_POINTS
from automl.space._params import Categorical
from automl.space._params import Fixed
from automl.space._params import Float
from automl.space._params import Int
from automl.space._params import Param
from automl.space._space import SearchSpace
from automl.space._yaml import builtin_spaces
from automl.space._yaml import dump_space
from automl.space._yaml import load_space

__all__ = [
    "CONTEXT_KEYS",
    "MAX_GRID_POINTS",
    "Categorical",
    "Fixed",
    "Float",
    "Int",
    "Param",
    "SearchSpace",
    "builtin_spaces",
    "dump_space",
    "load_space",
]
