"""register_builder / get_builder / list_builders / build_model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

import keras
import pytest
from models_testkit import make_spec

from automl.data import InputSpec
from automl.exceptions import ConfigError
from automl.exceptions import SearchSpaceError
from automl.models import _registry
from automl.models import build_model
from automl.models import get_builder
from automl.models import list_builders
from automl.models import register_builder
from automl.models.tabular import build_mlp


@pytest.fixture(autouse=True)
def _restore_registry() -> Iterator[None]:
    """Lets each test register builders without leaking them into the other tests."""
    saved = dict(_registry._BUILDERS)
    yield
    _registry._BUILDERS.clear()
    _registry._BUILDERS.update(saved)


def build_linear(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """A one-layer builder used as a custom builder."""
    inputs = keras.Input(spec.input_shape)
    return keras.Model(inputs, keras.layers.Dense(spec.n_outputs)(inputs))


def build_three_outputs(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
    """A builder that ignores the spec's output width."""
    inputs = keras.Input(spec.input_shape)
    return keras.Model(inputs, keras.layers.Dense(3)(inputs))


class DenseNet(keras.Model):
    """A subclassed model (no symbolic outputs): one Dense layer of ``units``."""

    def __init__(self, units: int) -> None:
        super().__init__()
        self.dense = keras.layers.Dense(units)

    def call(self, inputs: Any) -> Any:
        return self.dense(inputs)


def test_mlp_is_registered() -> None:
    assert "mlp" in list_builders()
    assert get_builder("mlp") is build_mlp


def test_decorator_form_registers_and_returns_the_function() -> None:
    @register_builder("my_net")
    def build_my_net(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
        return build_linear(params, spec)

    assert get_builder("my_net") is build_my_net
    assert "my_net" in list_builders()
    assert list_builders() == sorted(list_builders())


def test_call_form_registers_and_builds() -> None:
    assert register_builder("linear", build_linear) is build_linear

    model = build_model("linear", {}, make_spec("multiclass"))

    assert model.output_shape == (None, 3)


def test_unknown_builder_lists_the_available_ones() -> None:
    expected = (
        f"Unknown model builder 'resnet'. Available builders: {list_builders()}. "
        "Register one with @automl.register_builder."
    )

    with pytest.raises(SearchSpaceError, match=re.escape(expected)):
        get_builder("resnet")
    with pytest.raises(SearchSpaceError, match="Unknown model builder 'resnet'"):
        build_model("resnet", {}, make_spec("binary"))


def test_registering_another_function_under_a_taken_name_needs_override() -> None:
    register_builder("linear", build_linear)
    register_builder("linear", build_linear)  # the same function again is fine

    with pytest.raises(ConfigError, match=(
        r"Model builder 'linear' is already registered \(.*build_linear\)\. Received another: "
        r".*build_three_outputs\. Pass override=True to replace it\.")):
        register_builder("linear", build_three_outputs)

    register_builder("linear", build_three_outputs, override=True)
    assert get_builder("linear") is build_three_outputs


def test_mlp_cannot_be_replaced_by_accident() -> None:
    with pytest.raises(ConfigError, match="Model builder 'mlp' is already registered"):
        register_builder("mlp")(build_linear)


@pytest.mark.parametrize(
    ("name", "builder", "message"),
    [("", build_linear, r"must be a non-empty string\. Received: ''\."),
     (3, build_linear, r"must be a non-empty string\. Received: 3\."),
     ("bad", "not callable", r"Model builder 'bad' must be a callable .* Received: 'not call")],
)
def test_bad_registrations_are_refused(name: Any, builder: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        register_builder(name, builder)


def test_build_model_checks_the_output_width() -> None:
    register_builder("three", build_three_outputs)

    with pytest.raises(ConfigError, match=re.escape(
            "Model builder 'three' must return a model with one output of shape (batch, 1) for "
            "a binary task with n_classes=2. Received output shape: (None, 3).")):
        build_model("three", {}, make_spec("binary"))
    assert build_model("three", {}, make_spec("multiclass")).output_shape == (None, 3)


def test_build_model_checks_the_result_is_a_keras_model() -> None:
    register_builder("not_a_model", lambda params, spec: "a string")

    with pytest.raises(ConfigError, match=r"'not_a_model' must return a keras\.Model\. "
                                          r"Received: str\."):
        build_model("not_a_model", {}, make_spec("binary"))


def test_build_model_checks_subclassed_models_too() -> None:
    register_builder("subclassed", lambda params, spec: DenseNet(spec.n_outputs))
    register_builder("two_units", lambda params, spec: DenseNet(2))

    assert isinstance(build_model("subclassed", {}, make_spec("multiclass")), DenseNet)
    with pytest.raises(ConfigError, match=r"Received output shape: \(None, 2\)\."):
        build_model("two_units", {}, make_spec("regression"))


def test_build_model_refuses_several_outputs() -> None:
    def build_two_heads(params: Mapping[str, Any], spec: InputSpec) -> keras.Model:
        inputs = keras.Input(spec.input_shape)
        return keras.Model(inputs, [keras.layers.Dense(1)(inputs), keras.layers.Dense(1)(inputs)])

    register_builder("two_heads", build_two_heads)

    with pytest.raises(ConfigError, match=r"one output .* Received 2 outputs\."):
        build_model("two_heads", {}, make_spec("binary"))
