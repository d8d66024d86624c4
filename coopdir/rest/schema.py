"""The OpenAPI schema's additions: formats, conditional headers, errors, 429."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from coopdir.search import MAX_QUERY_LENGTH

ERROR_SCHEMA = {
    "type": "object",
    "description": "For a bad parameter or field: its name with the messages; "
    "otherwise `detail`.",
    "additionalProperties": {},
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

STALE_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "version": {"type": "integer"},
        "changed": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "label": {"type": "string"},
                    "old": {"type": "string"},
                    "new": {"type": "string"},
                },
            },
        },
    },
    "required": ["detail"],
}


def _json(schema):
    return {"application/json": {"schema": schema}}


READ_RESPONSES = {
    "304": {"description": "Not modified: your copy (If-None-Match / "
            "If-Modified-Since) is current."},
    "400": {"description": "A bad parameter, named in the body.",
            "content": _json(ERROR_SCHEMA)},
    "401": {"description": "A token was sent but is not valid (reading needs "
            "none).", "content": _json(DETAIL_SCHEMA)},
    "404": {"description": "No such record (or page).",
            "content": _json(DETAIL_SCHEMA)},
    "406": {"description": "None of the accepted formats can be given.",
            "content": _json(DETAIL_SCHEMA)},
}  # fmt: skip
WRITE_RESPONSES = {
    "400": READ_RESPONSES["400"],
    "401": {"description": "No or a bad token.", "content": _json(DETAIL_SCHEMA)},
    "403": {"description": "Not allowed: not staff, no model permission, or no "
            "permission to publish.", "content": _json(DETAIL_SCHEMA)},
    "404": READ_RESPONSES["404"],
    "412": {"description": "If-Match names an outdated version of the record; "
            "the body gives the current version and, where the history reaches, "
            "what changed since yours.", "content": _json(STALE_SCHEMA)},
}  # fmt: skip
THROTTLED_RESPONSE = {
    "description": "Too many requests from one anonymous client; retry after the "
    "number of seconds in Retry-After.",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "schema": {"type": "integer"},
        }
    },
    "content": _json(DETAIL_SCHEMA),
}


# What the FilterSets accept, for the parameters drf-spectacular cannot see through.
PARAMETER_SCHEMAS = {
    "q": {"maxLength": MAX_QUERY_LENGTH},
    "founded_after": {"minimum": 1000, "maximum": 9999},
    "founded_before": {"minimum": 1000, "maximum": 9999},
    "page": {"minimum": 1},
    "page_size": {"minimum": 1},
}


class APISchema(AutoSchema):
    """Document the format switch, the error responses and throttling everywhere."""

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        formats = [renderer.format for renderer in self.view.get_renderers()]
        if len(formats) > 1:
            parameters.append(
                OpenApiParameter(
                    "format",
                    str,
                    enum=formats,
                    description="Response format; also by Accept header.",
                )
            )
        if self.method in ("PUT", "PATCH", "DELETE"):
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag of the record as you read it: the write "
                    "is refused (412) if the record changed since.",
                )
            )
        elif self.method == "GET":
            parameters += [
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="An ETag you hold: 304 if it is still current.",
                ),
                OpenApiParameter(
                    "If-Modified-Since",
                    str,
                    OpenApiParameter.HEADER,
                    description="An HTTP date (Last-Modified): 304 if nothing "
                    "changed since.",
                ),
            ]
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            parameter["schema"].update(PARAMETER_SCHEMAS.get(parameter["name"], {}))
        responses = operation["responses"]
        extra = READ_RESPONSES if self.method == "GET" else WRITE_RESPONSES
        for code, response in extra.items():
            responses.setdefault(code, response)
        responses["429"] = THROTTLED_RESPONSE
        if self.method == "GET" and {} not in operation.get("security", [{}]):
            operation["security"].append({})  # reading needs no credentials
        for code, response in responses.items():
            # Errors are always JSON (see JSONErrorsMixin).
            if code.startswith(("4", "5")) and "content" in response:
                response["content"] = {
                    "application/json": response["content"].get(
                        "application/json", {"schema": DETAIL_SCHEMA}
                    )
                }
        return operation
