"""ETags, Last-Modified, 304 on reads and 412 on stale writes."""

import hashlib
import re

from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from organisations.history import changes_since


def digest(*parts):
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def representation_key(request):
    renderer = getattr(request, "accepted_renderer", None)
    return (renderer.format if renderer else "json", translation.get_language())


def record_etag_base(record):
    """Return the tag of a record's stored state: its version and its last save.

    The version number leads in clear, so a refused write can say what changed.
    """
    stamp = digest(record._meta.label, record.pk, record.version, record.updated_at)
    return f"v{record.version}.{stamp}"


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
    bases = [tag.removeprefix("W/").strip('"').split("-")[0] for tag in tags]
    if base in bases:
        return
    loaded = next((int(m[1]) for b in bases if (m := LOADED.match(b))), None)
    _latest, changes = changes_since(record, loaded) if loaded else (None, None)
    # Only what a writer can change: bookkeeping such as created_at is left out.
    editable = {f.attname for f in record._meta.concrete_fields if f.editable}
    error = PreconditionFailed()
    error.extra = {
        "version": record.version,
        "changed": [
            {"field": c.name, "label": c.label, "old": c.old, "new": c.new}
            for c in changes or ()
            if c.name in editable
        ],
    }
    raise error


LOADED = re.compile(r"v(\d+)\.")


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record changed since you read it: fetch it again and retry (If-Match)."
    )
    default_code = "precondition_failed"
    extra = None  # added to the body as they are (numbers stay numbers)


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
