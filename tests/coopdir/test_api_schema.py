import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from mechanisms.filters import MechanismFilter
from organisations.filters import OrganisationFilter
from organisations.models import KeyFigure, Status
from tests.factories import (
    KeyFigureFactory,
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi():
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_validates_as_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.0")
    validate_schema(openapi)  # drf-spectacular's copy of the OpenAPI 3.0 JSON Schema
    OPENAPI_30_VALIDATOR.validate(openapi)  # and schemathesis' own
    assert schemathesis.openapi.from_dict(openapi).validate() is None


@pytest.mark.parametrize(
    "path, filterset",
    [
        ("/api/v1/organisations/", OrganisationFilter),
        ("/api/v1/mechanisms/", MechanismFilter),
    ],
)
def test_the_schema_documents_every_filter(openapi, path, filterset):
    parameters = {p["name"]: p for p in openapi["paths"][path]["get"]["parameters"]}
    assert set(filterset.base_filters) | {"facets", "format", "page", "page_size"} <= (
        set(parameters)
    )
    for name in filterset.base_filters:
        assert parameters[name]["schema"]["type"] in {"string", "integer", "array"}
        assert parameters[name].get("description"), name

    def allowed(name):
        schema = parameters[name]["schema"]
        return set(schema.get("items", schema).get("enum", []))

    assert {"CN", "FI", "IT"} <= allowed("country")
    assert parameters["country"]["explode"] is True
    assert allowed("region") == {"africa", "americas", "asia-pacific", "europe"}
    assert {"name", "-founded", "updated"} <= allowed("ordering")
    assert allowed("format") == {"json", "csv"}
    assert parameters["founded_after"]["schema"]["type"] == "integer"
    assert parameters["q"]["schema"]["maxLength"] == 500
    assert parameters["sector"]["schema"]["items"]["pattern"]
    assert allowed("kind") == {
        value for value, _ in filterset.base_filters["kind"].extra["choices"]
    }
    if filterset is MechanismFilter:
        assert allowed("scope") == {"bilateral", "multilateral", "regional"}
        assert parameters["organisation"]["schema"]["type"] == "string"


def test_the_schema_documents_throttling_and_formats_everywhere(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            throttled = operation["responses"]["429"]
            assert "Retry-After" in throttled["headers"], (method, path)
            assert "400" in operation["responses"] or method == "delete"
    detail = openapi["paths"]["/api/v1/organisations/{slug}/"]["get"]["responses"]
    assert set(detail["200"]["content"]) == {"application/json", "application/ld+json"}
    listing = openapi["paths"]["/api/v1/organisations/"]["get"]["responses"]
    assert set(listing["200"]["content"]) == {"application/json", "text/csv"}
    assert "304" in listing


@pytest.fixture
def api_schema(db, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    cache.clear()
    sector = SectorFactory(slug="agriculture")
    parent = OrganisationFactory(slug="acfsmc", sectors=[sector], countries=["FI"])
    OrganisationFactory(slug="council", parent=parent)
    OrganisationFactory(slug="draft", status=Status.DRAFT)
    KeyFigureFactory(organisation=parent, value="5300000000000.5")
    KeyFigureFactory(
        organisation=parent, period=KeyFigure.Period.CURRENT, year=None, value=310
    )
    mechanism = MechanismFactory(slug="cicc", countries=["CN", "IT"], sectors=[sector])
    SecretariatFactory(mechanism=mechanism, organisation=parent)
    ParticipantFactory(mechanism=mechanism, organisation=parent)
    # As Django's test client does: a request must not close the test's connection
    # (it would, on PostgreSQL, inside the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", get_wsgi_application()
        )
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Small so the suite stays quick; raise it (API_FUZZ_EXAMPLES=200) to dig deeper.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def run_operation(operation, mode):
    # schemathesis' own pytest plugin (from_fixture) does not run under this pytest,
    # so each GET operation gets a small Hypothesis test of its own here.
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        # CI sees the same examples every run; API_FUZZ_RANDOM=1 explores new ones.
        derandomize=os.environ.get("API_FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(checks=CHECKS)

    check()


def test_the_api_keeps_to_its_schema(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    gets = [op for op in operations if op.method.upper() == "GET"]
    assert len(gets) == 9
    failures = []
    for operation in gets:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                run_operation(operation, mode)
            except Unsatisfiable:
                # Nothing to break: e.g. a path's only parameter is any string.
                assert mode == GenerationMode.NEGATIVE, operation.label
            except Exception as error:  # noqa: BLE001 - collect every operation's
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


KNOWN = [
    ("/api/v1/organisations/", {}, {"country": "CN", "facets": "1"}),
    ("/api/v1/organisations/", {}, {"format": "csv"}),
    ("/api/v1/organisations/{slug}/", {"slug": "acfsmc"}, {}),
    ("/api/v1/organisations/{slug}/", {"slug": "council"}, {"format": "jsonld"}),
    ("/api/v1/mechanisms/", {}, {"country": ["IT", "FI"], "facets": "1"}),
    ("/api/v1/mechanisms/{slug}/", {"slug": "cicc"}, {}),
    ("/api/v1/sectors/{slug}/", {"slug": "agriculture"}, {}),
    ("/api/v1/countries/{code}/", {"code": "CN"}, {}),
    ("/api/v1/search/", {}, {"q": "organisation"}),
]


def test_the_records_it_holds_keep_to_the_schema(api_schema):
    # Generated slugs rarely hit a record; these requests do.
    for path, path_parameters, query in KNOWN:
        operation = api_schema[path]["GET"]
        case = operation.Case(path_parameters=path_parameters, query=query)
        response = case.call_and_validate(checks=CHECKS)
        assert response.status_code == 200, (path, query)


def test_the_schema_describes_what_the_search_understood(openapi):
    search = openapi["paths"]["/api/v1/search/"]["get"]
    names = {parameter["name"] for parameter in search["parameters"]}
    assert {"q", "type", "kind", "literal", "ordering", "country", "sector"} <= names
    ref = search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    body = openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"interpreted", "notices", "results"} <= set(body["required"])
    interpreted = body["properties"]["interpreted"]
    answer = APIClient().get("/api/v1/search/", {"q": "cooperative Italy"}).json()
    # Every field the API answers is described, and every described one answered.
    assert set(interpreted["properties"]) == set(answer["interpreted"])
    assert set(interpreted["required"]) == set(answer["interpreted"])
    assert body["properties"]["notices"]["items"] == {"type": "string"}
    assert all(isinstance(notice, str) for notice in answer["notices"])
