"""What every API view shares: paging, formats, caching headers, access, the schema.

The apps' viewsets (organisations/api.py, mechanisms/api.py) and the cross-app views in
coopdir/api.py build on these pieces, so every endpoint pages, caches, throttles and
fails the same way.
"""

import csv
import hashlib
import io
import re

import reversion
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, ProtectedError, RestrictedError, Sum
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from coopdir.search import MAX_QUERY_LENGTH, facet_counts
from organisations.models import Status, can_publish

SLUG = re.compile(r"[-\w]+")
FORMULA = re.compile(r"[=+@\t\r]|-(?![\d.])")
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


# Formats -----------------------------------------------------------------------------


class CSVRenderer(BaseRenderer):
    """Render a list as CSV: one row per record, multi-valued fields joined by "; "."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data.get("results", []) if isinstance(data, dict) else data
        view = (renderer_context or {}).get("view")
        # The header row even without rows: an empty result is still a CSV file.
        header = list(rows[0]) if rows else getattr(view, "csv_header", [])
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _csv_cell(value) for key, value in row.items()})
        return out.getvalue().encode(self.charset)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_csv_cell(item) for item in value)
    if isinstance(value, dict):
        return value.get("code") or value.get("slug") or value.get("name") or ""
    text = str(value)
    # A cell a spreadsheet would run as a formula is kept as text (OWASP's advice).
    if FORMULA.match(text):
        return "'" + text
    return text


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


# Paging ------------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """Page-number paging; page_size is capped, a CSV download takes big pages."""

    page_size_query_param = "page_size"
    max_page_size = 100
    csv_page_size = 10_000
    page_query_description = _("Page number, from 1.")
    page_size_query_description = _("Results per page (at most 100; CSV: 10,000).")

    def get_page_size(self, request):
        if getattr(request, "accepted_renderer", None) and (
            request.accepted_renderer.format == "csv"
        ):
            requested = _positive_int(request.query_params.get("page_size"))
            return min(requested or self.csv_page_size, self.csv_page_size)
        return super().get_page_size(request)

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page not in (None, "", "last") and _positive_int(page) is None:
            raise exceptions.ValidationError(
                {"page": [_("A page number is a whole number from 1.")]}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if self.request.accepted_renderer.format == "csv":
            links = [
                f'<{url}>; rel="{rel}"'
                for rel, url in (
                    ("next", self.get_next_link()),
                    ("prev", self.get_previous_link()),
                )
                if url
            ]
            if links:
                response["Link"] = ", ".join(links)
            response["X-Total-Count"] = str(self.page.paginator.count)
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["facets"] = FACETS_SCHEMA
        return paginated


def _positive_int(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


FACETS_SCHEMA = {
    "type": "object",
    "description": "Only with facets=1: for each facet, the values in the whole "
    "result set with the number of records carrying each, largest first.",
    "additionalProperties": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "value": {"type": "string"},
                "label": {"type": "string"},
                "count": {"type": "integer"},
            },
            "required": ["value", "label", "count"],
        },
    },
}


def wants_facets(request):
    value = request.query_params.get("facets", "").strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise exceptions.ValidationError({"facets": [_("Use facets=1 or facets=0.")]})


# Access ------------------------------------------------------------------------------


class AnonThrottle(AnonRateThrottle):
    """The anonymous rate, read on each request so settings changes take effect."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class StaffTokenWritePermission(permissions.DjangoModelPermissions):
    """Anyone reads; a write needs a token of an active staff user with the perm."""

    authenticated_users_only = False

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if not isinstance(request.successful_authenticator, TokenAuthentication):
            raise exceptions.PermissionDenied(_("Writes need a token (Authorization)."))
        if not (user.is_active and user.is_staff):
            return False
        return super().has_permission(request, view)


def check_publish(request, model, new_status, old_status=None):
    """Refuse publishing, or changing a published record's status, without the perm."""
    publishing = new_status == Status.PUBLISHED and old_status != Status.PUBLISHED
    unpublishing = old_status == Status.PUBLISHED and new_status != Status.PUBLISHED
    if (publishing or unpublishing) and not can_publish(request.user, model):
        raise exceptions.PermissionDenied(
            _("You may edit but not publish or unpublish %(what)s.")
            % {"what": model._meta.verbose_name_plural}
        )


def full_clean_or_400(instance, exclude=()):
    """Validate instance as the admin's ModelForm does; errors become a 400."""
    try:
        instance.full_clean(exclude=list(exclude))
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        if isinstance(detail, dict) and "__all__" in detail:
            detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop("__all__")
        raise serializers.ValidationError(detail) from None


# Conditional requests ----------------------------------------------------------------


def _digest(*parts):
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def representation_key(request):
    renderer = getattr(request, "accepted_renderer", None)
    return (renderer.format if renderer else "json", translation.get_language())


def record_etag_base(record):
    """Return the tag of a record's stored state: its version and its last save."""
    return _digest(record._meta.label, record.pk, record.version, record.updated_at)


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
            etag = f'"{_digest(*representation_key(request), response.content)}"'
            response["ETag"] = etag
            not_modified = not_modified_or_none(request, etag, None)
            if not_modified is not None:
                return not_modified
        return response


class JSONErrorsMixin:
    """Errors are JSON whatever format was asked for (a CSV of an error helps none)."""

    def handle_exception(self, exc):
        if isinstance(exc, SuspiciousOperation):
            # E.g. more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: the query
            # cannot even be read, so answer without negotiating a format from it.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
            exc = exceptions.ParseError(str(exc))
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer and renderer.format != "json":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class EntityViewSetMixin(JSONErrorsMixin):
    """List, detail and writes of organisations or mechanisms, with caching headers.

    Subclasses set queryset, filterset_class, the serializers and facets.
    """

    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"
    permission_classes = [StaffTokenWritePermission]
    pagination_class = Pagination
    throttle_classes = [AnonThrottle]
    list_serializer_class = None
    detail_serializer_class = None
    write_serializer_class = None
    facets = ()

    @property
    def csv_header(self):
        return list(self.list_serializer_class().fields)

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if self.action == "list":
            renderers.append(CSVRenderer())
        elif self.action == "retrieve":
            renderers.append(JSONLDRenderer())
        return renderers

    def get_queryset(self):
        queryset = super().get_queryset().visible_to(self.request.user)
        if self.action == "list":
            return queryset.for_list()
        return self.with_details(queryset)

    def with_details(self, queryset):
        return queryset

    def get_object(self):
        # A slug is letters, digits, - and _; anything else (a NUL byte too) is 404
        # before it reaches the database.
        if not SLUG.fullmatch(str(self.kwargs.get(self.lookup_field, ""))):
            raise exceptions.NotFound()
        return super().get_object()

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return self.detail_serializer_class

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        show_facets = wants_facets(request)
        stamp = queryset.order_by().aggregate(
            n=Count("pk"), last=Max("updated_at"), versions=Sum("version")
        )
        etag = '"{}"'.format(
            _digest(
                request.get_full_path(),
                *representation_key(request),
                stamp["n"],
                stamp["last"],
                stamp["versions"],
            )
        )
        not_modified = not_modified_or_none(request, etag, stamp["last"])
        if not_modified is not None:
            return not_modified
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        response = self.get_paginated_response(serializer.data)
        if show_facets:
            response.data["facets"] = facet_counts(queryset, self.facets)
        if request.accepted_renderer.format == "csv":
            name = request.path.rstrip("/").rsplit("/", 1)[-1]  # ASCII, e.g. mechanisms
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return set_validators(response, etag, stamp["last"])

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()
        etag = record_etag(request, record)
        not_modified = not_modified_or_none(request, etag, record.updated_at)
        if not_modified is not None:
            return not_modified
        data = self.get_serializer(record).data
        if request.accepted_renderer.format == "jsonld":
            data = self.jsonld(record, data)
        return set_validators(Response(data), etag, record.updated_at)

    def jsonld(self, record, data):
        raise NotImplementedError

    def respond_with_detail(self, record, status_code=status.HTTP_200_OK):
        record = self.with_details(
            type(record).objects.visible_to(self.request.user)
        ).get(pk=record.pk)
        self.action = "retrieve"
        data = self.detail_serializer_class(
            record, context=self.get_serializer_context()
        ).data
        return set_validators(
            Response(data, status=status_code),
            record_etag(self.request, record),
            record.updated_at,
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        model = self.queryset.model
        check_publish(request, model, serializer.validated_data.get("status"))
        record = self._save(serializer)
        return self.respond_with_detail(record, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            record = self._lock(self.get_object())
            check_if_match(request, record)
            old_status = record.status
            serializer = self.get_serializer(record, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            check_publish(
                request,
                type(record),
                serializer.validated_data.get("status", old_status),
                old_status,
            )
            record = self._save(serializer)
        return self.respond_with_detail(record)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            record = self._lock(self.get_object())
            check_if_match(request, record)
            if record.status == Status.PUBLISHED:
                check_publish(request, type(record), None, record.status)
            try:
                record.delete()
            except (ProtectedError, RestrictedError) as error:
                objects = getattr(error, "protected_objects", None) or getattr(
                    error, "restricted_objects", ()
                )
                used_by = sorted({str(obj) for obj in objects})[:10]
                raise serializers.ValidationError(
                    {
                        api_settings.NON_FIELD_ERRORS_KEY: [
                            _("Still referred to by: %(objects)s.")
                            % {"objects": "; ".join(used_by)}
                        ]
                    }
                ) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _lock(self, record):
        """Lock the record's row for this transaction and read its current state.

        Two writers holding the same ETag cannot both pass If-Match.
        """
        current = (
            type(record)
            .objects.select_for_update()
            .filter(pk=record.pk)
            .values("version", "updated_at", "status")
            .first()
        )
        if current is None:
            raise exceptions.NotFound()
        for key, value in current.items():
            setattr(record, key, value)
        return record

    def _save(self, serializer):
        try:
            with transaction.atomic(), reversion.create_revision():
                record = serializer.save()
                reversion.set_user(self.request.user)
                reversion.set_comment(_("Saved through the API."))
                return record
        except IntegrityError as error:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [str(error)]}
            ) from None


# Schema ------------------------------------------------------------------------------

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


def _json(schema):
    return {"application/json": {"schema": schema}}


READ_RESPONSES = {
    "304": {"description": "Not modified: your copy (If-None-Match / "
            "If-Modified-Since) is current."},
    "400": {"description": "A bad parameter, named in the body.",
            "content": _json(ERROR_SCHEMA)},
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
    "412": {"description": "If-Match names an outdated version of the record.",
            "content": _json(DETAIL_SCHEMA)},
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
