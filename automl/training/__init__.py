"""Training of one model from a plain parameter dict, with the callbacks a trial needs."""

from automl.training._callbacks import EpochEvaluator
from automl.training._callbacks import EpochLogger
from automl.training._callbacks import PruningCallback
from automl.training._callbacks import StopTrial
from automl.training._fit import FitResult
from automl.training._fit import TrainingConfig
from automl.training._fit import decode_outputs
from automl.training._fit import train_model
from automl.training._inputs import predict_part

__all__ = [
    "EpochEvaluator",
    "EpochLogger",
    "FitResult",
    "PruningCallback",
    "StopTrial",
    "TrainingConfig",
    "decode_outputs",
    "predict_part",
    "train_model",
]
