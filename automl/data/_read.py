"""Reading a delimited text file into a DataFrame, with one-line errors for every bad input."""

from __future__ import annotations

import collections
import csv
import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from automl.exceptions import DataError

DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Reads a UTF-8 delimited text file (CSV, semicolon, tab or pipe separated).

    The delimiter is detected from the first lines (``csv.Sniffer`` limited to
    ``, ; tab |``, falling back to the header's most frequent candidate, then ``,``). A UTF-8
    byte-order mark is removed, column names are stripped of surrounding spaces, and
    infinities in numeric columns become missing values.

    Args:
        path: The file to read.

    Returns:
        The table, one column per header field.

    Raises:
        DataError: If the file is missing, empty, not UTF-8, has no data rows, repeats a
            column name, or has a row with a different number of fields than the header.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = path.write_text("a;b\\n1;x\\n2;y\\n", encoding="utf-8")
        >>> read_table(path).columns.tolist()
        ['a', 'b']
    """
    text = _read_text(Path(path))
    delimiter = detect_delimiter(text)
    _check_rows(text, delimiter, Path(path).name)
    frame = pd.read_csv(
        io.StringIO(text), sep=delimiter, skipinitialspace=True, on_bad_lines="error"
    )
    if frame.empty:
        raise DataError(
            f"Data file '{Path(path).name}' has a header but no data rows. "
            f"Expected at least one row below the header. Received columns: {list(frame.columns)}."
        )
    frame.columns = [str(name).strip() for name in frame.columns]
    return replace_infinities(frame)


def file_sha256(path: str | os.PathLike) -> str:
    """Returns the SHA-256 hex digest of a file's bytes.

    Args:
        path: The file to hash.

    Returns:
        64 hexadecimal characters.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
        >>> _ = path.write_bytes(b"")
        >>> file_sha256(path)[:8]
        'e3b0c442'
    """
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def detect_delimiter(text: str) -> str:
    """Guesses the field delimiter of delimited text from its first lines.

    Args:
        text: The decoded file content.

    Returns:
        One of ``, ; tab |``.

    Example:
        >>> detect_delimiter("a;b\\n1,5;2\\n")
        ';'
    """
    sample = "\n".join(text.splitlines()[:SNIFF_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] > 0 else ","


def replace_infinities(frame: pd.DataFrame) -> pd.DataFrame:
    """Returns the frame with +/-inf in its float columns replaced by missing values.

    Args:
        frame: Any table.

    Returns:
        The same frame (changed in place) for chaining.

    Example:
        >>> replace_infinities(pd.DataFrame({"a": [1.0, float("inf")]}))["a"].isna().tolist()
        [False, True]
    """
    for name in frame.columns:
        if pd.api.types.is_float_dtype(frame[name]):
            values = frame[name].to_numpy(dtype=np.float64, copy=True)
            values[np.isinf(values)] = np.nan
            frame[name] = values
    return frame


def _read_text(path: Path) -> str:
    if not path.is_file():
        where = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise DataError(f"Data file '{path}' {where}. Expected a CSV file.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(_decode_message(path.name, raw, error)) from None
    if not text.strip():
        raise DataError(
            f"Data file '{path.name}' is empty. Expected a header line and at least one data row."
        )
    return text


def _decode_message(name: str, raw: bytes, error: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, error.start) + 1
    byte = raw[error.start : error.start + 1].hex()
    return (
        f"Cannot decode data file '{name}': expected UTF-8 text. Received: byte 0x{byte} at "
        f"offset {error.start} (line {line}), which is not valid UTF-8. Re-save the file as UTF-8."
    )


def _check_rows(text: str, delimiter: str, name: str) -> None:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    header = next(reader)
    _check_header(header, name)
    for row in reader:
        if _is_blank(row) or len(row) == len(header):
            continue
        raise DataError(
            f"Malformed row in '{name}' at line {reader.line_num}: expected {len(header)} "
            f"fields separated by {_DELIMITER_NAMES[delimiter]} like the header. "
            f"Received: {len(row)} fields."
        )


def _check_header(header: list[str], name: str) -> None:
    counts = collections.Counter(field.strip() for field in header)
    repeated = sorted(field for field, count in counts.items() if count > 1)
    if repeated:
        raise DataError(
            f"Data file '{name}' repeats column names in its header: {repeated}. "
            "Expected every column name once."
        )


def _is_blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())
