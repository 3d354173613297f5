"""Domain errors and validation failures as HTTP answers with field paths and reasons."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from smartgate.identity.services import BadCredentials
from smartgate.shared.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unavailable,
    Unsigned,
    ValidationFailed,
)
from smartgate.shared.validation import field_errors

STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    BadCredentials: 401,
    Unsigned: 401,
    TooManyRequests: 429,
    Unavailable: 503,
}


class ErrorBody(BaseModel):
    """A refusal with its reason in English (`detail`), and its `code` and `params` for
    clients that word it in their reader's language."""

    detail: str
    code: str = Field("", description="names the refusal, e.g. not_found")
    params: dict[str, Any] = Field(default_factory=dict, description="the values in `detail`")


class FieldProblem(BaseModel):
    """One failing field: `field` is the dotted path, `message` the reason in English words;
    `code` names the reason and `params` holds its values, for clients that word it in
    their reader's language."""

    field: str
    message: str
    code: str = Field("", description="names the reason, e.g. less_than_equal")
    params: dict[str, Any] = Field(default_factory=dict, description="its values, e.g. limit")
    loc: list[str | int]
    msg: str
    type: str


class ValidationBody(BaseModel):
    """Every failing field of a refused request; nothing was saved."""

    detail: list[FieldProblem]


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not signed in"},
    403: {"model": ErrorBody, "description": "Role not allowed"},
    404: {"model": ErrorBody, "description": "Not found, or not yours to see"},
    409: {"model": ErrorBody, "description": "Conflicts with the current state"},
    429: {"model": ErrorBody, "description": "Too many requests; the message says when to retry"},
    422: {"model": ValidationBody, "description": "Invalid fields, each named with its reason"},
}


def problem(error: FieldError) -> dict[str, Any]:
    """One field error in the 422 body, readable and also in FastAPI's usual shape."""
    loc: list[str | int] = ["body"]
    if error.field != "body":
        # isdigit() also takes '²', which int() refuses: a key the client made up stays text.
        loc += [int(p) if p.isdecimal() else p for p in error.field.split(".")]
    wording = error.wording
    return {
        "field": error.field,
        "message": str(error.message),
        "code": wording.code,
        "params": wording.params(),
        "loc": loc,
        "msg": str(error.message),
        "type": "value_error",
    }


def validation_response(errors: list[FieldError]) -> JSONResponse:
    """A 422 answer naming every failing field."""
    return JSONResponse(status_code=422, content={"detail": [problem(e) for e in errors]})


def install(app: FastAPI) -> None:
    """Map domain errors and request validation errors to clear answers."""

    @app.exception_handler(ValidationFailed)
    async def _invalid(_request: Request, exc: ValidationFailed) -> JSONResponse:
        return validation_response(exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(field_errors(exc.errors()))

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        body = {"detail": str(exc), "code": exc.code, "params": exc.params}
        return JSONResponse(status_code=status, content=body, headers=headers)
