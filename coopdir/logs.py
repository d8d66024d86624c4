"""Logs as one JSON object a line, each tied to its request by an id.

RequestIdMiddleware gives every request an id (the proxy's X-Request-ID when it
sends a well-formed one, else a fresh one), sets it on request.id and on the
response's X-Request-ID, and JsonFormatter writes it into every record logged
while the request runs, gunicorn's access line included."""

import contextvars
import re
import uuid
from collections.abc import Mapping

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

HEADER = "X-Request-ID"
# What a proxy's id looks like (nginx's $request_id is 32 hex digits); anything
# else is replaced rather than written into the logs.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id = contextvars.ContextVar("request_id", default=None)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request.id = given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[HEADER] = request.id
        return response


# gunicorn's access record carries its facts as "atoms" in record.args.
ACCESS_ATOMS = {
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "h": "peer",
    "a": "user_agent",
    "f": "referer",
}


class JsonFormatter(BaseJsonFormatter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("%(levelname)s %(name)s %(message)s", *args, **kwargs)

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in ACCESS_ATOMS.items():
                value = record.args.get(atom)
                if value not in (None, "", "-"):
                    log_record[field] = value
            log_record["request_id"] = record.args.get(f"{{{HEADER.lower()}}}o")
        else:
            # Django logs a 4xx/5xx after the middleware returned, with the request.
            request = getattr(record, "request", None)
            given = getattr(request, "id", None) or request_id.get()
            log_record.setdefault("request_id", given)
        if log_record.get("request_id") in (None, "-"):
            log_record.pop("request_id", None)
