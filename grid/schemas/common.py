"""API schemas shared by every grid router: the error body and the error responses of operations."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    detail: str


# Error responses of the operations endpoints (every error is `{"detail": ...}`; 422 keeps ninja's list).
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: dict}
