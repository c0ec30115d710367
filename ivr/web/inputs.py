"""What clients send, checked in one place: JSON bodies, HTML forms and query strings against pydantic models, row
ids in URLs."""

from __future__ import annotations

from typing import Annotated
from typing import TypeVar
from typing import get_origin

from flask import abort
from flask import request
from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as NoMatch

ROW_ID_MAX = 2**31 - 1
"""The largest id of an Integer primary key on PostgreSQL (SQLite's is larger); beyond it no row exists."""
MAX_REPORTED = 3
"""Problems named in one 400 message."""

Model = TypeVar("Model", bound=BaseModel)


def storable(value: str) -> bool:
    """Whether a text may reach the database: PostgreSQL stores no NUL character (psycopg raises, i.e. a 500)."""
    return "\x00" not in value


def _no_nul(value: str) -> str:
    if not storable(value):
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""A text field of a form or query string (give it a max_length with Field)."""


class Body(BaseModel):
    """A JSON request body: unknown keys are refused (a typo must not fall back to a default), types are strict."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Form(BaseModel):
    """An HTML form or query string: each field at most once (a list field any number of times), text only.

    Keys the model does not name are ignored: browsers send the CSRF token, buttons and whatever a bookmark kept.
    """

    model_config = ConfigDict(extra="ignore", strict=True)


class InputError(ValueError):
    """A request body that does not fit its model; the message says why, without echoing the input."""


class RowId(IntegerConverter):
    """`<int:...>` in every URL: an id no integer column can hold is a plain 404, not a database overflow."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):  # also spares int() a 5,000-digit string (a ValueError, i.e. 500)
            raise NoMatch()
        return super().to_python(value)


def problems(exc: ValidationError) -> str:
    """pydantic's findings as one line, e.g. "outcome: Input should be a valid string" (never the input)."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:MAX_REPORTED]:
        where = ".".join(str(p) for p in err["loc"])
        parts.append(f"{where}: {err['msg']}" if where else err["msg"])
    return "; ".join(parts)


def read(model: type[Model]) -> Model:
    """The request's JSON body as `model`; InputError naming what is wrong (JSON, nesting, types, lengths, keys)."""
    if not request.is_json:
        raise InputError("send a JSON object with Content-Type: application/json")
    try:
        # pydantic's own parser: no Python recursion (30,000 nested "[" are an error, not a RecursionError)
        return model.model_validate_json(request.get_data(cache=True))
    except ValidationError as exc:
        raise InputError(problems(exc)) from None


def fields(model: type[Model], source: MultiDict) -> Model:
    """`source` (request.form or request.args) as `model`; InputError when a field repeats, is too long or has NUL."""
    data: dict[str, object] = {}
    for name, field in model.model_fields.items():
        values = source.getlist(name)
        if get_origin(field.annotation) is list:
            data[name] = values
        elif len(values) > 1:
            raise InputError(f"{name}: one value expected, not {len(values)}")
        elif values:
            data[name] = values[0]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems(exc)) from None


def form(model: type[Model]) -> Model:
    """The posted form as `model`, or abort with 400 and the reason."""
    try:
        return fields(model, request.form)
    except InputError as exc:
        abort(400, str(exc))


def query(model: type[Model]) -> Model:
    """The query string as `model`, or abort with 400 and the reason."""
    try:
        return fields(model, request.args)
    except InputError as exc:
        abort(400, str(exc))


def json_body(model: type[Model]) -> Model:
    """The request's JSON body as `model`, or abort with 400 and the reason."""
    try:
        return read(model)
    except InputError as exc:
        abort(400, str(exc))
