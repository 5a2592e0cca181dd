"""Pytest fixtures for the fake ARM.

Use them from a test module (or the root conftest.py) with::

    pytest_plugins = ["tests.fakearm.conftest_fixtures"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .estate import Estate, make_estate
from .server import FakeArm, Faults

DEFAULT_ESTATE_SITES = 6


@pytest.fixture
def fake_arm() -> Iterator[FakeArm]:
    """A started FakeArm over ``make_estate(6)`` (sites 0 and 3 have slots; site 0 also 'canary')."""
    with FakeArm(make_estate(DEFAULT_ESTATE_SITES)) as arm:
        yield arm


@pytest.fixture
def fake_arm_factory() -> Iterator[Callable[..., FakeArm]]:
    """``fake_arm_factory(estate=None, faults=None, **FakeArm_kwargs) -> FakeArm``; all closed at teardown."""
    made: list[FakeArm] = []

    def factory(estate: Estate | None = None, faults: Faults | None = None, **kw: Any) -> FakeArm:
        arm = FakeArm(
            estate if estate is not None else make_estate(DEFAULT_ESTATE_SITES), faults=faults, **kw
        )
        made.append(arm)
        return arm

    yield factory
    for arm in made:
        arm.close()


@pytest.fixture
def arm_ca_path(fake_arm: FakeArm) -> str:
    """PEM path of the CA that signed ``fake_arm``'s certificate (pass as ``connection_verify=``)."""
    return fake_arm.ca_path
