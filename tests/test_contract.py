"""One place for each fact: the action contract, the controller protocol, special economies."""

import dataclasses

import numpy as np
import pytest

from agents.actions import ACTION_TYPES, MAGNITUDE_NAMES, MEASURE_MAGNITUDES, OPTIONAL_MAGNITUDES
from agents.controllers import Controller, PassiveController, ScriptedController
from agents.seat import HumanSeat
from agents.strategies import STRATEGIES, make_controller
from model.data import scenario
from model.data.world_data import REST_OF_WORLD, available_worlds, load_world
from support.seats import Scripted

PROTOCOL = ("name", "observes", "answers_later", "decide", "respond")


def test_every_measure_a_scenario_takes_is_an_action_with_those_magnitudes():
    assert tuple(MEASURE_MAGNITUDES) == scenario.ACTIONS
    for kind in MEASURE_MAGNITUDES:
        names = {f.name for f in dataclasses.fields(ACTION_TYPES[kind])}
        assert set(MEASURE_MAGNITUDES[kind]) | set(OPTIONAL_MAGNITUDES.get(kind, ())) <= names
    assert set(MAGNITUDE_NAMES) <= set(scenario.Event.model_fields)


@pytest.mark.parametrize(
    "controller",
    [
        PassiveController(),
        ScriptedController({}),
        HumanSeat(),
        Scripted(),
        *(make_controller(name, np.ones(3)) for name in sorted(STRATEGIES)),
    ],
    ids=lambda c: type(c).__name__,
)
def test_every_controller_answers_the_whole_protocol(controller: Controller):
    for member in PROTOCOL:
        assert hasattr(controller, member), member
    assert isinstance(controller.observes, bool) and isinstance(controller.answers_later, bool)


def test_only_a_person_answers_later_and_only_passive_never_looks():
    assert HumanSeat().answers_later and not make_controller("hawk").answers_later
    assert not PassiveController().observes and HumanSeat().observes


@pytest.mark.parametrize("name", available_worlds())
def test_every_world_names_its_hegemon_and_nobody_plays_the_rest_of_the_world(name):
    data = load_world(name)
    assert data.hegemon == "CHN"
    assert REST_OF_WORLD in data.codes and REST_OF_WORLD not in data.playable
    assert len(data.playable) == len(data.codes) - 1
