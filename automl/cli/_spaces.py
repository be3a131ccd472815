"""``automl spaces list|show|validate``: the built-in search spaces and checking a YAML file."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

import click

from automl.exceptions import ConfigError

if TYPE_CHECKING:
    from automl.space import SearchSpace



@click.group()
def spaces() -> None:
    """List, show and validate search spaces (YAML files or built-in names)."""


@spaces.command("list")
def list_spaces() -> None:
    """List the built-in search spaces: name, builder, parameters and description."""
    from automl.space import builtin_spaces
    from automl.space import load_space

    rows = [("name", "builder", "params", "description")]
    for name, path in builtin_spaces().items():
        space = load_space(path)
        rows.append((name, space.builder, str(len(space.params)), space.description or ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        click.echo("  ".join([*cells, row[3]]))


@spaces.command("show")
@click.argument("name")
def show_space(name: str) -> None:
    """Print the YAML of the built-in space NAME (or of a YAML file), comments included."""
    from automl.space import builtin_spaces
    from automl.space import load_space

    space = load_space(name)  # refuses unknown names and invalid files with one line
    path = builtin_spaces().get(name, Path(name))
    click.echo(Path(path).read_text(encoding="utf-8").rstrip("\n"))
    click.echo(f"# {_summary(space)}")


@spaces.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--import", "imports", multiple=True, metavar="MODULE",
              help="Module that registers the space's builder (repeatable); checks the builder.")
def validate_space(file: Path, imports: tuple[str, ...]) -> None:
    """Check the search-space YAML FILE: keys, types, ranges, conditions and the builder."""
    from automl.space import load_space

    space = load_space(file)
    note = _check_builder(space.builder, imports)
    click.echo(f"OK: '{file}' is a valid search space: {_summary(space)}.")
    if note:
        click.echo(note)


def _summary(space: SearchSpace) -> str:
    conditional = sum(1 for param in space.params.values() if param.when is not None)
    return (f"builder '{space.builder}', {len(space.params)} parameters ({conditional} "
            f"conditional), {len(space.fixed)} fixed values")


def _check_builder(builder: str, imports: tuple[str, ...]) -> str:
    """Checks the builder exists; returns a note when it cannot be checked."""
    if builder in _builtin_builders() and not imports:
        return ""
    if not imports:
        return (f"Note: builder '{builder}' is not built in; register it with "
                "@automl.register_builder in a module, pass that module to the search "
                "(imports=[...]), and check it here with --import MODULE.")
    for module in imports:
        try:
            importlib.import_module(module)
        except ImportError as error:
            raise ConfigError(f"Invalid value for '--import': cannot import {module!r}: "
                              f"{error}.") from None
    from automl._quiet import import_keras

    import_keras()
    from automl.models import get_builder

    get_builder(builder)  # SearchSpaceError naming the registered builders
    return ""


def _builtin_builders() -> set[str]:
    """Builders named by the built-in spaces: they ship with automl (no Keras import needed)."""
    from automl.space import builtin_spaces
    from automl.space import load_space

    return {load_space(path).builder for path in builtin_spaces().values()}
