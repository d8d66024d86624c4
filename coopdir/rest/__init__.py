"""What every API view shares: paging, formats, caching headers, access, the schema.

The apps' viewsets (organisations/api.py, mechanisms/api.py) and the cross-app views in
coopdir/api.py build on these pieces, so every endpoint pages, caches, throttles and
fails the same way.
"""

from .access import (
    StaffTokenWritePermission,
    check_publish,
    full_clean_or_400,
)
from .caching import (
    ContentETagMixin,
    PreconditionFailed,
    check_if_match,
    not_modified_or_none,
    record_etag,
    set_validators,
)
from .formats import CSVRenderer, JSONLDRenderer
from .paging import FACETS_SCHEMA, Pagination, wants_facets
from .schema import APISchema
from .viewsets import (
    EntityViewSetMixin,
    FollowsOldSlugsMixin,
    JSONErrorsMixin,
    SlugLookupMixin,
)

__all__ = [
    "APISchema",
    "CSVRenderer",
    "ContentETagMixin",
    "EntityViewSetMixin",
    "FACETS_SCHEMA",
    "FollowsOldSlugsMixin",
    "JSONErrorsMixin",
    "JSONLDRenderer",
    "Pagination",
    "PreconditionFailed",
    "SlugLookupMixin",
    "StaffTokenWritePermission",
    "check_if_match",
    "check_publish",
    "full_clean_or_400",
    "not_modified_or_none",
    "record_etag",
    "set_validators",
    "wants_facets",
]
