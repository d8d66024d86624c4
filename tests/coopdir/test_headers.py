"""Security headers on every response, and templates with nothing inline."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PATHS = ["/", "/organisations/", "/search/?q=x", "/no-such-page/", "/admin/login/"]
PATHS += ["/api/v1/organisations/", "/api/schema/", "/robots.txt"]


def directives(response):
    policy = response["Content-Security-Policy"]
    return dict(
        (part.split()[0], part.split()[1:]) for part in policy.split("; ") if part
    )


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_policy_and_headers(client, path):
    response = client.get(path)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_docs_add_only_images_from_data_urls(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy.pop("img-src") == ["'self'", "data:"]
    assert policy == directives(client.get("/"))
    # Swagger UI's start-up script comes from a URL of its own, not inline.
    assert "<script>" not in response.content.decode()
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on… handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_holds_anything_inline():
    found = []
    for template in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(settings.BASE_DIR)}: {what}")
    assert found == []


def test_the_import_dry_run_shows_diffs_without_style_attributes():
    from organisations.resources import OrganisationResource
    from tests.factories import OrganisationFactory

    resource = OrganisationResource()
    original = OrganisationFactory(summary="old words")
    diff = resource.get_diff_class()(resource, original, new=False)
    original.summary = "new words"
    diff.compare_with(resource, original)
    html = "".join(diff.as_html())
    assert "<ins>new</ins>" in html and "<del>old</del>" in html
    assert "style=" not in html
