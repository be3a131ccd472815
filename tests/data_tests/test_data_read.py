"""read_table: encodings, delimiters and malformed files."""

from __future__ import annotations

import numpy as np
import pytest

from automl.data import read_table
from automl.exceptions import DataError


def test_utf8_with_bom_has_clean_first_column(write_file):
    path = write_file("bom.csv", "\ufeffname,value\nä,1\nö,2\n")
    frame = read_table(path)
    assert frame.columns.tolist() == ["name", "value"]
    assert frame["name"].tolist() == ["ä", "ö"]


def test_utf8_without_bom(write_file):
    frame = read_table(write_file("plain.csv", "a,b\n1,x\n2,y\n"))
    assert frame.shape == (2, 2)
    assert frame["a"].tolist() == [1, 2]


def test_latin1_file_names_file_offset_and_line(write_file):
    path = write_file("latin.csv", "name,value\ncafé,1\n", encoding="latin-1")
    expected = (
        r"^Cannot decode data file 'latin\.csv': expected UTF-8 text\. "
        r"Received: byte 0xe9 at offset 14 \(line 2\), which is not valid UTF-8"
    )
    with pytest.raises(DataError, match=expected):
        read_table(path)


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_detected(write_file, delimiter):
    lines = ["a b", "count", "label"], ["1.5", "3", "x"], ["2.5", "4", "y"], ["3.5", "5", "z"]
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    frame = read_table(write_file("data.txt", text))
    assert frame.columns.tolist() == ["a b", "count", "label"]
    assert frame["a b"].tolist() == [1.5, 2.5, 3.5]


def test_semicolon_file_with_decimal_commas_keeps_three_columns(write_file):
    frame = read_table(write_file("semi.csv", "a;b;c\n1,5;2;x\n3,1;4;y\n"))
    assert frame.columns.tolist() == ["a", "b", "c"]


def test_quoted_delimiters_inside_fields(write_file):
    frame = read_table(write_file("q.csv", 'name,desc\nfoo,"a; b; c"\nbar,"d; e"\n'))
    assert frame["desc"].tolist() == ["a; b; c", "d; e"]


def test_missing_file(tmp_path):
    expected = r"Data file '.*nope\.csv' does not exist\. Expected a CSV file\."
    with pytest.raises(DataError, match=expected):
        read_table(tmp_path / "nope.csv")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(DataError, match=r"is a folder, not a file"):
        read_table(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\n\t \n", b"\xef\xbb\xbf"])
def test_empty_file(write_file, content):
    expected = r"Data file 'empty\.csv' is empty\. Expected a header line"
    with pytest.raises(DataError, match=expected):
        read_table(write_file("empty.csv", content))


@pytest.mark.parametrize("content", ["a,b,c\n", "a,b,c", "a,b,c\n\n\n"])
def test_header_only(write_file, content):
    expected = r"'head\.csv' has a header but no data rows.*\['a', 'b', 'c'\]"
    with pytest.raises(DataError, match=expected):
        read_table(write_file("head.csv", content))


def test_row_with_too_many_fields_names_its_line(write_file):
    path = write_file("ragged.csv", "a,b\n1,2\n3,4\n5,6,7\n")
    expected = (
        r"Malformed row in 'ragged\.csv' at line 4: expected 2 fields separated by "
        r"','.*Received: 3 fields\."
    )
    with pytest.raises(DataError, match=expected):
        read_table(path)


def test_row_with_too_few_fields_names_its_line(write_file):
    path = write_file("short.csv", "a;b;c\n1;2;3\n4;5\n")
    expected = r"at line 3: expected 3 fields separated by ';'.*Received: 2 fields"
    with pytest.raises(DataError, match=expected):
        read_table(path)


def test_line_number_counts_quoted_newlines(write_file):
    path = write_file("multi.csv", 'a,b\n"x\ny",1\n2,3,4\n')
    with pytest.raises(DataError, match=r"at line 4:"):
        read_table(path)


def test_blank_lines_are_skipped(write_file):
    frame = read_table(write_file("blank.csv", "a,b\n1,2\n\n3,4\n   \n"))
    assert frame["a"].tolist() == [1, 3]


def test_repeated_column_names(write_file):
    with pytest.raises(DataError, match=r"repeats column names in its header: \['a'\]"):
        read_table(write_file("dup.csv", "a,b,a\n1,2,3\n"))


def test_infinities_become_missing_and_names_are_stripped(write_file):
    frame = read_table(write_file("inf.csv", " x , y\n1.0,inf\n2.0,-inf\n3.0,4.0\n"))
    assert frame.columns.tolist() == ["x", "y"]
    assert np.isnan(frame["y"].to_numpy()[:2]).all()
    assert frame["y"].to_numpy()[2] == 4.0
