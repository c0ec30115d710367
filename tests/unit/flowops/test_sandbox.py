"""The app simulations share: one per flows version and settings, each request in its simulation's world."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr import create_app
from ivr.flowops.simulator import Simulator
from ivr.flowops.simulator import local_time
from ivr.flowops.simulator import run_script

OPEN = "2026-11-24 10:00"  # a Tuesday morning: every desk is open
TZ = "Europe/Berlin"  # config.yaml's hotline.timezone


def test_simulators_share_one_app_each_at_its_own_clock_and_closures():
    """One app per flows version and settings; a request runs at its simulation's instant and closed desks."""
    sunday = local_time("2026-11-29 10:00", TZ)
    with Simulator(create_app, local_time(OPEN, TZ)) as open_, \
            Simulator(create_app, local_time(OPEN, TZ), closed=("zebera",)) as closed, \
            Simulator(create_app, sunday) as weekend:
        assert open_.sandbox is closed.sandbox is weekend.sandbox
        first = open_.call()  # calls interleave: each webhook carries its own simulation's world
        second = closed.call()
        for key in ("1", "1", "3", "1"):
            first.press(key)
            second.press(key)
        assert first.last.waits == "dial" and second.last.waits == "keys"  # zebera is closed: a callback offer
        assert run_script(weekend, ["1", "3", "1"], lang="de").ended.kind != "transferred"
        assert run_script(open_, ["1", "3", "1"], lang="de").ended.kind == "transferred"


def test_changed_flows_get_their_own_app_and_unused_old_ones_close(tmp_path, monkeypatch):
    import shutil

    from ivr.flowops import sandbox

    flows = tmp_path / "flows"
    shutil.copytree("flows", flows)
    env = {"IVR_FLOWS_DIR": str(flows)}
    monkeypatch.setattr(sandbox, "KEEP_SANDBOXES", 1)
    with Simulator(create_app, local_time(OPEN, TZ), environ=env) as sim:
        before = sim.sandbox
        prompts = flows / "prompts.yaml"
        prompts.write_text(prompts.read_text().replace("Auf Wiederhören.", "Tschüss."))
        with Simulator(create_app, local_time(OPEN, TZ), environ=env) as changed:
            assert changed.sandbox is not before
            assert changed.services.store.current.prompts["goodbye"]["de"] == "Tschüss."
            assert before.evicted and before.users == 1  # still in use: stays open
            assert run_script(sim, ["1", "3", "1"], lang="de").ended.kind == "transferred"
    assert before.users == 0 and not Path(before.settings.instance_dir).exists()  # closed once let go


def test_unknown_closed_desk_lets_go_of_the_app():
    with pytest.raises(ValueError, match="unknown desk 'nowhere'"):
        Simulator(create_app, local_time(OPEN, TZ), closed=("nowhere",))
    with Simulator(create_app, local_time(OPEN, TZ)) as sim:
        assert sim.sandbox.users == 1
