"""The trials table of ``automl trials``: rows from real frozen trials, three output formats."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from optuna.trial import TrialState
from reports_testkit import make_study
from reports_testkit import make_trial

from automl.exceptions import ConfigError
from automl.reports import format_trials
from automl.reports._trials import render_trials
from automl.reports._trials import trial_rows


@pytest.fixture
def trials():
    return [make_trial(0, value=0.91234567, curve=(0.8, 0.9, 0.91)),
            make_trial(1, TrialState.PRUNED, curve=(0.2, 0.3), seconds=1.25),
            make_trial(2, TrialState.FAIL, params={"optimizer": "sgd"})]


def test_rows_hold_state_value_duration_epochs_and_params(trials):
    rows = trial_rows(trials[::-1])
    assert rows == [
        {"number": 0, "state": "COMPLETE", "value": 0.91234567, "duration_s": 5.0,
         "epochs": 3, "params": {"learning_rate": 0.001, "optimizer": "sgd"}},
        {"number": 1, "state": "PRUNED", "value": None, "duration_s": 1.25, "epochs": 2,
         "params": {"learning_rate": 0.002, "optimizer": "adam"}},
        {"number": 2, "state": "FAIL", "value": None, "duration_s": 5.0, "epochs": None,
         "params": {"optimizer": "sgd"}},
    ]


def test_table_is_aligned(trials):
    assert render_trials(trial_rows(trials)).splitlines() == [
        "number  state     value    duration  epochs  params",
        "0       COMPLETE  0.91235  5.0s      3       learning_rate=0.001, optimizer=sgd",
        "1       PRUNED             1.2s      2       learning_rate=0.002, optimizer=adam",
        "2       FAIL               5.0s              optimizer=sgd",
    ]


def test_csv_has_one_column_per_parameter(trials):
    frame = pd.read_csv(io.StringIO(render_trials(trial_rows(trials), "csv")))
    assert list(frame.columns) == ["number", "state", "value", "duration_s", "epochs",
                                   "params_learning_rate", "params_optimizer"]
    assert list(frame["state"]) == ["COMPLETE", "PRUNED", "FAIL"]
    assert frame["params_learning_rate"].isna().tolist() == [False, False, True]


def test_json_round_trips(trials):
    assert json.loads(render_trials(trial_rows(trials), "json")) == trial_rows(trials)


def test_format_trials_reads_the_study_and_checks_the_format(tmp_path, trials):
    make_study(tmp_path, "s", trials)
    assert json.loads(format_trials("s", root=str(tmp_path), output_format="json")) == \
        trial_rows(trials)
    with pytest.raises(ConfigError, match=r"Unknown trials format 'xml'\. Expected one of "
                       r"\['table', 'csv', 'json'\]\. Received: 'xml'\."):
        format_trials("s", root=str(tmp_path), output_format="xml")
