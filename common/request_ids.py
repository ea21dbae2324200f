"""One id per request: the portal assigns it (or keeps a caller's, only in a safe shape), answers it in the
`X-Request-ID` header, writes it to the access log and puts it on every application log line of that request, so
that an entry, a log line and a caller's report can be matched."""

import contextvars
import logging
import re
import uuid

__all__ = ["RequestIdMiddleware", "RequestIdLogFilter", "current_request_id", "safe_request_id"]

# What a caller may name its request (a proxy's or a client's own id): letters, digits and . _ : - only, at most 64.
SAFE_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current = contextvars.ContextVar("request_id", default="")


def safe_request_id(value):
    """The caller's id if it has the safe shape, else ""."""
    value = value or ""
    return value if SAFE_SHAPE.fullmatch(value) else ""


def current_request_id():
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = safe_request_id(request.META.get("HTTP_X_REQUEST_ID")) or uuid.uuid4().hex
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record ("-" outside a request: workers, commands)."""

    def filter(self, record):
        record.request_id = _current.get() or "-"
        return True
