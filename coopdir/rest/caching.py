"""ETags, Last-Modified, 304 on reads and 412 on stale writes."""

import hashlib

from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status


def digest(*parts):
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def representation_key(request):
    renderer = getattr(request, "accepted_renderer", None)
    return (renderer.format if renderer else "json", translation.get_language())


def record_etag_base(record):
    """Return the tag of a record's stored state: its version and its last save."""
    return digest(record._meta.label, record.pk, record.version, record.updated_at)


def record_etag(request, record):
    fmt, lang = representation_key(request)
    suffix = "" if (fmt, lang) == ("json", "en") else f"-{fmt}-{lang}"
    return f'"{record_etag_base(record)}{suffix}"'


def check_if_match(request, record):
    """Refuse a write whose If-Match names another state of the record (412)."""
    header = request.headers.get("If-Match")
    if not header:
        return
    tags = parse_etags(header)
    if "*" in tags:
        return
    base = record_etag_base(record)
    if not any(tag.removeprefix("W/").strip('"').split("-")[0] == base for tag in tags):
        raise PreconditionFailed()


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record changed since you read it: fetch it again and retry (If-Match)."
    )
    default_code = "precondition_failed"


def not_modified_or_none(request, etag, last_modified):
    """Return a 304 response when the client's copy is current, else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    timestamp = int(last_modified.timestamp()) if last_modified else None
    response = get_conditional_response(
        request._request, etag=etag, last_modified=timestamp
    )
    if response is not None and response.status_code == 304:
        return set_validators(response, etag, last_modified)
    return None


def set_validators(response, etag, last_modified):
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


class ContentETagMixin:
    """Give a computed GET response an ETag from its body, and 304 on a match."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200:
            response.render()
            etag = f'"{digest(*representation_key(request), response.content)}"'
            response["ETag"] = etag
            not_modified = not_modified_or_none(request, etag, None)
            if not_modified is not None:
                return not_modified
        return response
