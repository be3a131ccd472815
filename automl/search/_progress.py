"""Live progress of a search: one line per finished trial with the running totals."""

from __future__ import annotations

import sys
import time
from typing import Sequence, TextIO

import optuna
from optuna.trial import TrialState

from automl.search._study import ATTR_PREFIX


class Progress:
    """Prints a line for each trial as it finishes: its outcome, trials done of the budget, the
    best value so far, and the pruned and failed counts.

    Args:
        total: The study's trial budget.
        monitor: Name of the objective as logged, e.g. ``"val_accuracy"``.
        direction: ``"maximize"`` or ``"minimize"``.
        quiet: Print nothing.
        stream: Where to print (standard error by default).
    """

    def __init__(self, total: int, monitor: str, direction: str, *, quiet: bool = False,
                 stream: TextIO | None = None) -> None:
        self.total, self.monitor, self.direction, self.quiet = total, monitor, direction, quiet
        self.stream = stream or sys.stderr
        self._seen: set[int] = set()
        self._started = time.monotonic()

    def skip_existing(self, trials: Sequence[optuna.trial.FrozenTrial]) -> None:
        """Marks already finished trials (of a resumed study) as printed."""
        self._seen.update(t.number for t in trials if t.state.is_finished())

    def update(self, trials: Sequence[optuna.trial.FrozenTrial]) -> None:
        """Prints the trials that finished since the last call."""
        fresh = [t for t in trials if t.state.is_finished() and t.number not in self._seen]
        for trial in sorted(fresh, key=lambda t: t.number):
            self._seen.add(trial.number)
            self.echo(f"{self._describe(trial)}  |  {self._totals(trials)}")

    def echo(self, message: str) -> None:
        """Prints one message unless quiet."""
        if not self.quiet:
            print(message, file=self.stream, flush=True)

    def _describe(self, trial: optuna.trial.FrozenTrial) -> str:
        head = f"trial {trial.number:>3}"
        if trial.state == TrialState.COMPLETE:
            return f"{head} COMPLETE {self.monitor}={trial.value:.5g}"
        if trial.state == TrialState.PRUNED:
            epoch = trial.user_attrs.get(ATTR_PREFIX + "pruned_epoch")
            reason = trial.user_attrs.get(ATTR_PREFIX + "fail_reason")
            where = f" at epoch {epoch}" if epoch is not None else ""
            return f"{head} PRUNED{where}" + (f" ({reason})" if reason else "")
        reason = trial.user_attrs.get(ATTR_PREFIX + "fail_reason", "unknown reason")
        return f"{head} FAIL ({_shorten(reason)})"

    def _totals(self, trials: Sequence[optuna.trial.FrozenTrial]) -> str:
        done = sum(t.state.is_finished() for t in trials)
        pruned = sum(t.state == TrialState.PRUNED for t in trials)
        failed = sum(t.state == TrialState.FAIL for t in trials)
        best = best_trial(trials, self.direction)
        best_text = f"best {best.value:.5g} (trial {best.number})" if best else "no best yet"
        elapsed = time.strftime("%H:%M:%S", time.gmtime(time.monotonic() - self._started))
        return (f"{done}/{self.total} done, {best_text}, {pruned} pruned, {failed} failed, "
                f"{elapsed}")


def best_trial(trials: Sequence[optuna.trial.FrozenTrial],
               direction: str) -> optuna.trial.FrozenTrial | None:
    """Returns the best COMPLETE trial with a finite value (see ``ranked_trials``), or None."""
    from automl.search._report import ranked_trials

    ranked = ranked_trials(trials, direction)
    return ranked[0] if ranked else None


def _shorten(text: str, limit: int = 160) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else text
    return first_line if len(first_line) <= limit else first_line[: limit - 3] + "..."
