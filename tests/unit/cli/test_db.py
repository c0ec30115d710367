"""`ivr db upgrade`: needs only the database URL, neither secrets nor a valid config."""

from __future__ import annotations

import sqlalchemy as sa

from ivr.cli.main import main


def test_upgrade_without_secrets_or_config(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    args = {"DATABASE_URL": url, "TWILIO_AUTH_TOKEN": None, "SECRET_KEY": None,
            "IVR_CONFIG": str(tmp_path / "missing.yaml")}
    result = cli("db", "upgrade", **args)
    assert result.exit_code == 0, result.output
    assert result.output == "database is up to date\n"
    assert "callbacks" in sa.inspect(sa.create_engine(url)).get_table_names()
    assert cli("db", "upgrade", **args).exit_code == 0  # again: nothing to do
    assert "upgrade" in main.commands["db"].commands
