"""`ivr callbacks`: list tasks (numbers masked) and close one with an outcome the API also accepts."""

from __future__ import annotations

import json

import sqlalchemy as sa

from ivr.hotline.callbacks import CLOSE_OUTCOMES
from ivr.store.db import audit_log
from ivr.store.db import callbacks as callbacks_table


def test_list_masks_numbers_and_filters_by_desk(cli, make_task):
    task = make_task("zebera", phone="+4917612345678")
    make_task("info", phone="+4915112345678")
    result = cli("callbacks", "list", "--desk", "zebera")
    assert result.exit_code == 0
    [line] = result.output.splitlines()
    data = json.loads(line)
    assert data["id"] == task and data["desk"] == "zebera"
    assert "17612345678" not in line and data["phone"].endswith("78")


def test_close_with_an_outcome_of_the_one_list(cli, make_task, engine):
    task = make_task()
    refused = cli("callbacks", "close", str(task), "--outcome", "nonsense")
    assert refused.exit_code == 2 and all(outcome in refused.output for outcome in CLOSE_OUTCOMES)
    assert cli("callbacks", "close", "999999").output == "Error: no callback task 999999\n"
    closed = cli("callbacks", "close", str(task), "--outcome", "duplicate")
    assert closed.output == f"callback {task} closed (duplicate)\n"
    with engine.connect() as conn:
        row = conn.execute(sa.select(callbacks_table).where(callbacks_table.c.id == task)).mappings().one()
        actors = conn.execute(sa.select(audit_log.c.actor).where(audit_log.c.action == "callback.close")).all()
    assert (row["status"], row["outcome"]) == ("closed", "duplicate") and actors == [("cli",)]
    assert cli("callbacks", "list").output == ""  # open ones only, by default
