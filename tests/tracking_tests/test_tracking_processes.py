"""Trial runs written from several worker processes into one store."""

from __future__ import annotations

import multiprocessing

from automl.tracking import MlflowTracker


def _log_trials(tracker: MlflowTracker, parent_run_id: str, trial_numbers: list[int]) -> None:
    for number in trial_numbers:
        run = tracker.start_trial_run(parent_run_id, number, {"units": 16 * (number + 1)})
        for epoch in range(3):
            run.log_epoch(epoch, {"loss": 1.0 / (epoch + 1)})
        run.finish("COMPLETE")


def test_trial_runs_from_two_spawned_processes_land_under_one_parent(
    tracker: MlflowTracker,
) -> None:
    parent = tracker.start_search_run("search", {"n_workers": 2}, {})
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_log_trials, args=(tracker, parent, numbers))
        for numbers in ([0, 2, 4], [1, 3, 5])
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    rows = tracker.trial_runs(parent)

    assert [worker.exitcode for worker in workers] == [0, 0]
    assert [row["trial_number"] for row in rows] == [0, 1, 2, 3, 4, 5]
    assert {row["status"] for row in rows} == {"FINISHED"}
    assert [row["params"]["units"] for row in rows] == [str(16 * (n + 1)) for n in range(6)]
    for row in rows:
        run = tracker.client.get_run(row["run_id"])
        assert run.info.experiment_id == tracker.experiment_id
        assert len(tracker.metric_history(row["run_id"], "loss")) == 3
