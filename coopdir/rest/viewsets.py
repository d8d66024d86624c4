"""The viewset behaviour every endpoint shares: JSON errors, lists, details, writes."""

import re
from datetime import UTC, datetime

import reversion
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, ProtectedError, RestrictedError, Sum
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from coopdir.search import engine
from coopdir.search.depth import Capped
from coopdir.search.found import Found
from coopdir.throttling import ThrottleFirstMixin
from organisations.history import ensure_baseline
from organisations.models import OldSlug

from .access import StaffTokenWritePermission, check_publish
from .caching import (
    check_if_match,
    digest,
    not_modified_or_none,
    record_etag,
    representation_key,
    set_validators,
)
from .formats import CSVRenderer, JSONLDRenderer
from .paging import Pagination, wants_facets
from .review import PublishedNeedsPublisher

SLUG = re.compile(r"[-\w]+")
# How deep an API list pages (one CSV page): every order costs its offset, so a
# client past it is asked to filter, as the pages ask past their own cap.
LIST_MAX_RESULTS = 10_000


def version_stamp():
    """Return the list stamp of the index version: a clock reading in µs since the
    epoch (see engine.bump_version), so also the time of the last write."""
    version = engine.version()
    last = None
    if version > 10**15:
        last = datetime.fromtimestamp(version / 1e6, tz=UTC).replace(microsecond=0)
    return {"n": None, "last": last, "versions": version}


class Moved(exceptions.APIException):
    status_code = status.HTTP_301_MOVED_PERMANENTLY
    default_detail = _("This record was renamed: it is at the address in Location.")
    default_code = "moved"

    def __init__(self, location):
        super().__init__()
        self.location = location


class FollowsOldSlugsMixin:
    """A read of a slug a record had before it was renamed answers 301 to the
    record's current address, query kept (writes must name the current slug)."""

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            slug = self.kwargs.get(self.lookup_field, "")
            if self.request.method not in ("GET", "HEAD"):
                raise
            record = OldSlug.find(self.get_queryset(), slug)
            if record is None:
                raise
        namespace = self.request.resolver_match.namespace
        name = f"{self.basename}-detail"
        name = f"{namespace}:{name}" if namespace else name
        url = reverse(name, kwargs={self.lookup_field: record.slug})
        query = self.request.META.get("QUERY_STRING", "")
        raise Moved(
            self.request.build_absolute_uri(url + (f"?{query}" if query else ""))
        )


class JSONErrorsMixin:
    """Errors are JSON whatever format was asked for (a CSV of an error helps none)."""

    def handle_exception(self, exc):
        if isinstance(exc, SuspiciousOperation):
            # E.g. more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS: the query
            # cannot even be read, so answer without negotiating a format from it.
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
            exc = exceptions.ParseError(str(exc))
        response = super().handle_exception(exc)
        if getattr(exc, "extra", None):
            response.data.update(exc.extra)
        if isinstance(exc, Moved):
            response["Location"] = exc.location
            response.data["url"] = exc.location
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer and renderer.format != "json":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class SlugLookupMixin:
    """Details by slug: anything but letters, digits, - and _ is a 404 before it
    reaches the database (PostgreSQL cannot even compare a NUL byte)."""

    lookup_field = "slug"
    lookup_value_regex = r"[^/]+"

    def get_object(self):
        if not SLUG.fullmatch(str(self.kwargs.get(self.lookup_field, ""))):
            raise exceptions.NotFound()
        return super().get_object()


class EntityViewSetMixin(
    ThrottleFirstMixin, FollowsOldSlugsMixin, SlugLookupMixin, JSONErrorsMixin
):
    """List, detail and writes of organisations or mechanisms, with caching headers.

    Subclasses set queryset, filterset_class, the serializers and facets.
    """

    permission_classes = [StaffTokenWritePermission, PublishedNeedsPublisher]
    pagination_class = Pagination
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

    def get_serializer_class(self):
        if self.action == "list":
            return self.list_serializer_class
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return self.detail_serializer_class

    def list(self, request, *args, **kwargs):
        filterset = self.filterset_class(
            request.query_params, queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        found = filterset.found()
        show_facets = wants_facets(request)
        if isinstance(found, Found):
            # Answered from the index: its version, raised by every write in the
            # writer's transaction, stamps the list without reading the matches.
            stamp = version_stamp()
        else:
            stamp = found.queryset.order_by().aggregate(
                n=Count("pk"), last=Max("updated_at"), versions=Sum("version")
            )
        etag = '"{}"'.format(
            digest(
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
        results = Capped(found, limit=LIST_MAX_RESULTS)
        self.paginator.refuse_past_cap(request, results)
        page = self.paginate_queryset(results)
        serializer = self.get_serializer(page, many=True)
        response = self.get_paginated_response(serializer.data)
        if show_facets:
            response.data["facets"] = found.facet_counts(
                self.facets, leave_own_out=False
            )
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
            # Decided again on the locked row: it may have been published since.
            self.check_object_permissions(request, record)
            ensure_baseline(record, request.user)
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
            self.check_object_permissions(request, record)
            ensure_baseline(record, request.user)
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
                # Its rows were written after it (bulk, without signals): record
                # the version as it now stands, read afresh (not the prefetched rows).
                reversion.add_to_revision(type(record)._base_manager.get(pk=record.pk))
                reversion.set_user(self.request.user)
                reversion.set_comment(_("Saved through the API."))
                return record
        except IntegrityError as error:
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [str(error)]}
            ) from None
