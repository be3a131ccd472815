"""Fixtures for the data tests: small CSV files written in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Writes text (UTF-8 by default) or bytes to a file in tmp_path and returns its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode(encoding))
        return path

    return write


@pytest.fixture
def write_frame(tmp_path: Path) -> Callable[..., Path]:
    """Writes a DataFrame as a CSV file in tmp_path and returns its path."""

    def write(frame: pd.DataFrame, name: str = "data.csv", sep: str = ",") -> Path:
        path = tmp_path / name
        frame.to_csv(path, index=False, sep=sep)
        return path

    return write


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    """120 rows with numeric, boolean, low- and high-cardinality text columns and a binary
    target that depends on them."""
    rng = np.random.default_rng(0)
    n_rows = 120
    age = rng.normal(40, 10, n_rows).round(1)
    age[::7] = np.nan
    color = rng.choice(["red", "green", "blue"], n_rows).astype(object)
    color[::11] = None
    city = np.array([f"city_{i % 40}" for i in rng.permutation(n_rows)], dtype=object)
    member = rng.choice(["yes", "no", "Yes", "NO"], n_rows)
    label = np.where((np.nan_to_num(age, nan=40) > 40) ^ (color == "red"), "good", "bad")
    return pd.DataFrame(
        {"age": age, "color": color, "city": city, "member": member, "label": label}
    )
