"""The operators' blueprint (/operator), shared by the simulator's and the notices' views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app

from ivr.flowops.simulator import AppFactory

bp = Blueprint("operators", __name__, url_prefix="/operator")
FACTORY = "operators.app_factory"
"""Where the app keeps the factory its simulated calls build their app with (`app_factory=` at registration)."""


@bp.record_once
def _remember_factory(state: Any) -> None:
    """`app.register_blueprint(bp, app_factory=create_app)`: the simulator builds its app with it."""
    state.app.extensions[FACTORY] = state.options.get("app_factory")


def app_factory() -> AppFactory:
    """The factory the operators' blueprint was registered with."""
    factory = current_app.extensions.get(FACTORY)
    if factory is None:
        raise RuntimeError("register the operators' blueprint with app_factory=create_app")
    return factory
