"""Import Keras without TensorFlow's C++ start-up chatter.

TensorFlow 2.21 prints absl and CUDA-stub lines on standard error while it loads, whatever
``TF_CPP_MIN_LOG_LEVEL`` says. They are not errors, and users of a CPU machine cannot act on them,
so the file descriptor of standard error is muted for the duration of the import only. A failing
import still raises, with its traceback, after the descriptor is restored.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def import_keras() -> ModuleType:
    """Imports and returns ``keras`` with standard error muted at the descriptor level."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras

        keras.ops.zeros((1,))  # the backend logs once more on its first operation
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return keras
