"""The ``automl`` command line: ``search``, ``predict`` and ``ui``.

Only click and light modules are imported here, so ``automl --help`` answers at once;
TensorFlow, Optuna and MLflow are imported inside the commands that need them.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from automl import __version__
from automl.cli._ensemble import ensemble
from automl.cli._predict import predict
from automl.cli._report import report
from automl.cli._report import trials
from automl.cli._search import search
from automl.cli._spaces import spaces
from automl.cli._ui import ui
from automl.cli._worker import worker
from automl.exceptions import UserInputError

__all__ = ["cli", "main"]

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="automl")
def cli() -> None:
    """Keras 3 AutoML: search models for a CSV file with Optuna, tracked in MLflow.

    \b
    Start with:
      automl search examples/breast_cancer.csv --target diagnosis --n-trials 10
      automl ui
    """


cli.add_command(search)
cli.add_command(predict)
cli.add_command(ui)
cli.add_command(worker)
cli.add_command(ensemble)
cli.add_command(report)
cli.add_command(trials)
cli.add_command(spaces)


def _quiet_libraries() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    logger = logging.getLogger("automl")
    logger.handlers = [h for h in logger.handlers if not getattr(h, "_automl_cli", False)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler._automl_cli = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Runs the command line and returns its exit code.

    A user mistake (bad file, column, option, search space) prints one line and returns 2; an
    interruption returns 130; unexpected errors keep their traceback.
    """
    _quiet_libraries()
    try:
        result = cli.main(args=argv, prog_name="automl", standalone_mode=False)
    except click.exceptions.UsageError as error:
        command = error.ctx.command_path if error.ctx else "automl"
        click.echo(f"{command}: error: {error.format_message()}", err=True)
        return EXIT_USER_ERROR
    except click.exceptions.ClickException as error:
        click.echo(f"automl: error: {error.format_message()}", err=True)
        return error.exit_code
    except UserInputError as error:
        click.echo(f"automl: error: {error}", err=True)
        return EXIT_USER_ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        click.echo("automl: interrupted", err=True)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0
