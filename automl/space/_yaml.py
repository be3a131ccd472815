"""YAML <-> SearchSpace, and the built-in spaces shipped in ``search_spaces/``.

Files are read with ``yaml.safe_load`` only: tags such as ``!!python/object`` are refused.
"""

from __future__ import annotations

import importlib.resources
import os
import pathlib
from typing import Any

import yaml

from automl.exceptions import SearchSpaceError
from automl.space._errors import did_you_mean
from automl.space._space import SearchSpace

BUILTIN_PACKAGE = "automl.search_spaces"
YAML_SUFFIXES = (".yaml", ".yml")
_HEADER = "# automl search space, written by automl.space.dump_space.\n"


def builtin_spaces() -> dict[str, pathlib.Path]:
    """Returns the built-in spaces, name -> YAML file, sorted by name.

    The files live in the ``automl.search_spaces`` package (the repository's top-level
    ``search_spaces/`` folder, which is used directly when automl is not installed).

    Example:
        >>> "tabular_mlp" in builtin_spaces()
        True
    """
    folder = _builtin_folder()
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def _builtin_folder() -> pathlib.Path:
    try:
        return pathlib.Path(str(importlib.resources.files(BUILTIN_PACKAGE)))
    except ModuleNotFoundError:
        return pathlib.Path(__file__).resolve().parents[2] / "search_spaces"


def load_space(path_or_name: str | os.PathLike[str]) -> SearchSpace:
    """Reads a search space from a YAML file, or a built-in space by name.

    Args:
        path_or_name: A path to a ``.yaml``/``.yml`` file, or the name of a built-in space
            such as ``"tabular_mlp"`` (see :func:`builtin_spaces`).

    Returns:
        The validated space; its ``source`` is the file name.

    Raises:
        SearchSpaceError: The file is missing, is not valid YAML, or is not a valid space; the
            message names the file and the key path (or line and column).

    Example:
        >>> space = load_space("tabular_mlp")
        >>> space.builder
        'mlp'
    """
    path = _resolve(path_or_name)
    return SearchSpace.from_dict(_read_yaml(path, str(path)), source=str(path))


def _resolve(path_or_name: str | os.PathLike[str]) -> pathlib.Path:
    path = pathlib.Path(path_or_name)
    if path.is_file():
        return path
    if path.is_dir():
        raise SearchSpaceError(f"Search space '{path}' is a directory. Expected a .yaml file.")
    if path.suffix in YAML_SUFFIXES or len(path.parts) > 1:
        raise SearchSpaceError(f"Search space file '{path}' not found.")
    builtins = builtin_spaces()
    if str(path_or_name) in builtins:
        return builtins[str(path_or_name)]
    raise SearchSpaceError(
        f"Unknown search space '{path_or_name}': no such file, and no built-in space of that "
        f"name. Built-in spaces: {list(builtins)}.{did_you_mean(path_or_name, builtins)}"
    )


def _read_yaml(path: pathlib.Path, where: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise SearchSpaceError(f"Invalid search space '{where}': expected UTF-8 text. Received "
                               f"byte {byte:#x} at offset {error.start}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        raise _yaml_error(error, where) from None
    _check_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), where)
    return data


def _yaml_error(error: yaml.MarkedYAMLError, where: str) -> SearchSpaceError:
    mark = error.problem_mark
    place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "an unknown place"
    if isinstance(error, yaml.constructor.ConstructorError):
        return SearchSpaceError(
            f"Invalid search space '{where}' at {place}: YAML tags such as !!python/object are "
            f"not allowed; write plain mappings, lists and scalars. Received: {error.problem}."
        )
    return SearchSpaceError(f"Invalid search space '{where}': YAML syntax error at {place}: "
                            f"{error.problem}.")


def _check_duplicate_keys(node: yaml.Node | None, where: str) -> None:
    """Refuses a mapping that repeats a key (PyYAML would silently keep the last one)."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, where)
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise SearchSpaceError(f"Invalid search space '{where}' at line {line}: the key "
                                   f"'{key}' appears twice in the same mapping. Keep only one.")
        seen.add(key)
        _check_duplicate_keys(value_node, where)


def dump_space(space: SearchSpace, path: str | os.PathLike[str]) -> None:
    """Writes ``space`` as YAML that :func:`load_space` reads back equal.

    Each parameter is written on one line, in declaration order.

    Args:
        space: The space to write.
        path: Destination file (its folder must exist).

    Example:
        >>> import tempfile
        >>> from automl.space import Int
        >>> space = SearchSpace(params={"n_layers": Int(1, 4)})
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "space.yaml"
        >>> dump_space(space, path)
        >>> load_space(path) == space
        True
    """
    header = {"name": space.name, "description": space.description, "builder": space.builder}
    text = _HEADER + _dump({k: v for k, v in header.items() if v is not None})
    entries = [_flow_line(name, param.to_dict()) for name, param in space.params.items()]
    text += "params:\n" + "".join(f"  {entry}\n" for entry in entries) if entries else ""
    text += _dump({"fixed": dict(space.fixed)}) if space.fixed else ""
    text += _dump({"first_trials": space.first_trials}) if space.first_trials else ""
    pathlib.Path(path).write_text(text, encoding="utf-8")


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=99)


def _flow_line(name: str, entry: dict[str, Any]) -> str:
    """Returns ``name: {type: ..., ...}`` on one line, quoted as YAML needs."""
    flow = yaml.safe_dump({name: entry}, default_flow_style=True, sort_keys=False,
                          allow_unicode=True, width=1_000_000)
    return flow.strip()[1:-1]
