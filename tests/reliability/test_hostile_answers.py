"""Issue 17 classes 2 and 9, and the JSON bounds of class 3: one answer the auditor cannot read is that
account's (or that credential's discovery's) error, never the run's; NaN and non-booleans are unknown."""

from __future__ import annotations

import json

import pytest

from auditor.app.setup import demo_files
from auditor.engine import run_audit
from auditor.inputs.inventory import load_inventory
from auditor.live import live_from_sandbox
from auditor.model import FetchError, ObservationState, RunStatus
from connectors.http import UnreadableBody, parse_json
from connectors.sandbox import Fault, Sandbox, load_scenario
from tests.conftest import NOW

DEMO = demo_files()
AGUAS_PAGE = "204857600000001"


@pytest.fixture(scope="module")
def inventory():
    return load_inventory([DEMO / "inventory"])


def audit(store, inventory, overlay=None, faults=()):
    box = Sandbox(load_scenario(DEMO / "sandbox.yaml"), faults=list(faults)).with_overlay(overlay)
    result = run_audit(store, inventory, live=live_from_sandbox(box), now=NOW)
    return result, store.run_snapshots(result.run_id)


def test_a_page_whose_username_is_a_number_fails_alone(store, inventory):
    result, snaps = audit(store, inventory, {"meta": {"pages": {"104857600000001": {"username": 12345}}}})
    assert snaps[("mprueba", "mprueba-fb")].error is FetchError.PLATFORM  # read by its id: the number is refused
    assert result.status is RunStatus.INCOMPLETE and result.open_severities  # the run went on and reported
    assert snaps[("aguas", "aguas-fb")].error is None and snaps[("mprueba", "mprueba-expo-fb")].error is None


def test_200000_levels_in_discovery_fail_that_discovery_only(store, inventory, caplog):
    deep = "[" * 200_000 + "]" * 200_000
    result, snaps = audit(store, inventory, faults=[Fault(path=r"/me/businesses$", raw=deep)])
    assert "discovery with meta-" in caplog.text and "nested too deeply" in caplog.text
    assert result.open_severities and snaps[("aguas", "aguas-fb")].error is None  # every account audited


def test_a_5000_digit_number_fails_that_account_only(store, inventory):
    page = json.dumps({"id": AGUAS_PAGE, "name": "Aguas", "username": "aguaspruebapy"})
    huge = page[:-1] + ', "fan_count": ' + "9" * 5000 + "}"
    _, snaps = audit(store, inventory, faults=[Fault(path=r"/v\d+\.\d+/aguaspruebapy$", raw=huge)])
    snap = snaps[("aguas", "aguas-fb")]
    assert snap.error is FetchError.PLATFORM and "digits" in str(snap.error_detail)
    assert snaps[("mprueba", "mprueba-fb")].error is None


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1", '"true"', "1e999"])
def test_nan_infinity_and_non_booleans_in_a_boolean_field_are_unknown(store, inventory, value):
    page = (
        '{"id": "' + AGUAS_PAGE + '", "name": "Aguas", "username": "aguaspruebapy", "business": {"id": "2001"}, '
        '"verification_status": "blue_verified", "is_published": ' + value + "}"
    )
    _, snaps = audit(store, inventory, faults=[Fault(path=r"/v\d+\.\d+/aguaspruebapy$", raw=page)])
    status = snaps[("aguas", "aguas-fb")].status
    assert status.state is ObservationState.NOT_EXPOSED and status.value is None  # unknown, never «active»


def test_the_parser_bounds():
    assert parse_json(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    assert parse_json(b'{"a": NaN, "b": Infinity}') == {"a": None, "b": None}
    for bad in (b"[" * 100 + b"]" * 100, b'{"n": ' + b"1" * 41 + b"}", b"{", b"\xff"):
        with pytest.raises(UnreadableBody):
            parse_json(bad)
