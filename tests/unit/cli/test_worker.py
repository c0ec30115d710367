"""`ivr worker`: without a Redis to work on, one error line naming what to set."""

from __future__ import annotations


def test_without_redis_url_one_error_line_and_exit_2(cli):
    result = cli("worker", "--burst", REDIS_URL=None)
    assert result.exit_code == 2
    assert result.output == ("Error: REDIS_URL is not set: set it to the Redis the web processes and the worker "
                             "use (redis://host:6379/0)\n")


def test_burst_works_off_the_queue_and_returns(cli, redis_conn):
    from rq import Queue

    Queue("maintenance", connection=redis_conn).enqueue("builtins.len", "abc", job_id="count")
    result = cli("worker", "--burst")
    assert result.exit_code == 0, result.output
    assert Queue("maintenance", connection=redis_conn).fetch_job("count").return_value() == 3
