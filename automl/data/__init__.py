"""Tabular data: CSV files to split, preprocessed float32 arrays, with preprocessing stored as
plain JSON-ready data (no pickle). Image data: folders of class subfolders, scanned, split and
streamed from disk (:func:`load_image_folder`, :class:`ImageDataset`).

Example:
    >>> from automl.data import load_csv
    >>> data = load_csv("examples/breast_cancer.csv", target="diagnosis")
    >>> data.spec.task, data.x_train.dtype
    ('binary', dtype('float32'))
"""

from __future__ import annotations

from automl.data._csv import load_csv
from automl.data._dataset import Dataset
from automl.data._image import choose_image_size
from automl.data._image import load_image_folder
from automl.data._image import load_saved_dataset
from automl.data._image_dataset import ImageDataset
from automl.data._image_decode import IMAGE_SUFFIXES
from automl.data._image_decode import read_image
from automl.data._image_decode import read_images
from automl.data._image_scan import list_image_files
from automl.data._preprocess import TabularPreprocessor
from automl.data._read import read_table
from automl.data._spec import InputSpec
from automl.data._target import TargetEncoder
from automl.data._task import infer_task

__all__ = [
    "IMAGE_SUFFIXES",
    "Dataset",
    "ImageDataset",
    "InputSpec",
    "TabularPreprocessor",
    "TargetEncoder",
    "choose_image_size",
    "infer_task",
    "list_image_files",
    "load_csv",
    "load_image_folder",
    "load_saved_dataset",
    "read_image",
    "read_images",
    "read_table",
]
