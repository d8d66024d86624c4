"""The review step: what the public sees changes only through someone who may publish,
on every admin page, inline and API write (coopdir.rest.review)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from coopdir.api import router
from coopdir.rest import review
from mechanisms.models import (
    MechanismCountry,
    MechanismFigure,
    MechanismName,
    SubnationalParticipant,
)
from organisations.models import (
    Duty,
    KeyFigure,
    Membership,
    Organisation,
    OrganisationCountry,
    OrganisationName,
    OrganisationRegion,
    Region,
    Sector,
    Source,
    Status,
)
from tests.admin_helpers import admin_form_data
from tests.factories import (
    KeyFigureFactory,
    MechanismFactory,
    OrganisationFactory,
    ParticipantFactory,
    SecretariatFactory,
    SectorFactory,
    SourceFactory,
    api_token,
)

pytestmark = pytest.mark.django_db


def figure(model, owner, **extra):
    return model.objects.create(
        **{owner._meta.model_name: owner},
        label="Turnover",
        metric="turnover",
        year=2020,
        value=1000,
        unit="CNY",
        source=SourceFactory(),
        **extra,
    )


def cited_sector():
    sector = SectorFactory()
    OrganisationFactory(sectors=[sector])
    return sector


# One public row of each model the admin or the API writes: a model added later
# without one here fails test_every_admin_model_is_refused_to_an_editor_when_public.
PUBLIC_ROWS = {
    Organisation: lambda: OrganisationFactory(),
    OrganisationName: lambda: OrganisationName.objects.create(
        organisation=OrganisationFactory(), name="Alias", kind="alias"
    ),
    Duty: lambda: Duty.objects.create(organisation=OrganisationFactory(), text="Do"),
    OrganisationCountry: lambda: OrganisationCountry.objects.create(
        organisation=OrganisationFactory(), country="FI"
    ),
    OrganisationRegion: lambda: OrganisationRegion.objects.create(
        organisation=OrganisationFactory(), region=Region.values[0]
    ),
    KeyFigure: lambda: KeyFigureFactory(),
    Membership: lambda: Membership.objects.create(
        member=OrganisationFactory(), organisation=OrganisationFactory()
    ),
    Sector: cited_sector,
    Source: lambda: OrganisationFactory().sources.create(title="Report"),
    MechanismFactory._meta.model: lambda: MechanismFactory(),
    MechanismName: lambda: MechanismName.objects.create(
        mechanism=MechanismFactory(), name="Alias", kind="alias"
    ),
    MechanismCountry: lambda: MechanismCountry.objects.create(
        mechanism=MechanismFactory(), country="IT"
    ),
    SubnationalParticipant: lambda: SubnationalParticipant.objects.create(
        mechanism=MechanismFactory(),
        name="Michigan",
        kind=SubnationalParticipant.Kind.values[0],
        country="US",
    ),
    SecretariatFactory._meta.model: lambda: SecretariatFactory(),
    ParticipantFactory._meta.model: lambda: ParticipantFactory(),
    MechanismFigure: lambda: figure(MechanismFigure, MechanismFactory()),
}


def request_of(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def test_every_admin_page_and_inline_is_decided_by_the_review_step():
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        assert review.known(model), f"{label}: register it with coopdir.rest.review"
        if review.kind(model) != "private":
            assert isinstance(model_admin, review.ReviewedAdmin), label
        for inline in model_admin.inlines:
            assert issubclass(inline, review.ReviewedInline), inline
            assert review.known(inline.model), inline.model._meta.label
    assert review.unknown_citers() == []


def test_every_api_write_is_decided_by_the_review_step():
    writes = {"create", "update", "partial_update", "destroy"}
    for prefix, viewset, _name in router.registry:
        if not writes & set(dir(viewset)):
            continue
        assert review.PublishedNeedsPublisher in viewset.permission_classes, prefix
        assert review.known(viewset.queryset.model), prefix


def public_row_of(model):
    assert model in PUBLIC_ROWS, f"add a public {model._meta.label} to PUBLIC_ROWS"
    row = PUBLIC_ROWS[model]()
    assert review.public_through(row), model._meta.label
    return row


def test_every_admin_model_is_refused_to_an_editor_when_public(editor, publisher):
    for model, model_admin in admin.site._registry.items():
        if review.kind(model) == "private":
            continue
        row = public_row_of(model)
        label = model._meta.label
        request = request_of(editor)
        assert not model_admin.has_change_permission(request, row), label
        assert not model_admin.has_delete_permission(request, row), label
        request = request_of(publisher)
        assert model_admin.has_change_permission(request, row), label
        assert model_admin.has_delete_permission(request, row), label
        for inline in model_admin.get_inline_instances(request):
            public_row_of(inline.model)
            for user, allowed in ((editor, False), (publisher, True)):
                for check in (
                    inline.has_add_permission,
                    inline.has_change_permission,
                    inline.has_delete_permission,
                ):
                    assert check(request_of(user), row) is allowed, (inline, user)


def test_rows_the_public_does_not_see_stay_open_to_editors(editor):
    draft = OrganisationFactory(status=Status.DRAFT)
    live = OrganisationFactory()
    request = request_of(editor)
    for row in (
        KeyFigureFactory(organisation=draft),
        # Shown on neither page until the draft is published.
        Membership.objects.create(member=draft, organisation=live),
        SecretariatFactory(organisation=draft),
        SourceFactory(),
        SectorFactory(),
    ):
        assert review.refusal(editor, row) is None, row
        assert admin.site._registry[Organisation].has_change_permission(request, draft)


def change_url(obj, action="change"):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=[obj.pk])


def test_an_editor_cannot_change_or_delete_a_key_figure_of_a_published_body(
    client, editor
):
    turnover = KeyFigureFactory(value=5300000000000)
    client.force_login(editor)
    url = change_url(turnover)
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.post(url, {"value": "1"}).status_code == 403
    assert client.post(change_url(turnover, "delete"), {"post": "yes"}).status_code == (
        403
    )
    bulk = client.post(
        reverse("admin:organisations_keyfigure_changelist"),
        {"action": "delete_selected", "_selected_action": [turnover.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    turnover.refresh_from_db()
    assert turnover.value == 5300000000000


def test_a_publisher_changes_a_key_figure_of_a_published_body(client, publisher):
    turnover = KeyFigureFactory(value=5300000000000)
    client.force_login(publisher)
    url = change_url(turnover)
    response = client.post(url, admin_form_data(client.get(url), value="5400000000000"))
    assert response.status_code == 302
    turnover.refresh_from_db()
    assert turnover.value == 5400000000000
    response = client.post(change_url(turnover, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not KeyFigure.objects.filter(pk=turnover.pk).exists()


def test_an_editor_cannot_add_a_figure_to_a_published_body_or_move_one_there(
    client, editor
):
    live = OrganisationFactory()
    draft_figure = KeyFigureFactory(organisation=OrganisationFactory(status="draft"))
    client.force_login(editor)
    url = change_url(draft_figure)
    response = client.post(
        url, admin_form_data(client.get(url), organisation=live.pk, value="1")
    )
    assert response.status_code == 200
    assert "published" in str(response.context["adminform"].form.non_field_errors())
    draft_figure.refresh_from_db()
    assert draft_figure.organisation != live
    assert not live.key_figures.exists()


def test_an_editor_cannot_join_two_published_bodies_through_the_membership_page(
    client, editor
):
    ica, member = OrganisationFactory(), OrganisationFactory()
    draft = OrganisationFactory(status=Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:organisations_membership_add")
    response = client.post(
        url, {"member": member.pk, "organisation": ica.pk, "kind": "member"}
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(organisation=ica, member=member).exists()
    response = client.post(
        url, {"member": draft.pk, "organisation": ica.pk, "kind": "member"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(organisation=ica, member=draft).exists()


def test_an_editor_cannot_change_the_inline_rows_of_a_published_body(client, editor):
    turnover = KeyFigureFactory(value=1000)
    org = turnover.organisation
    client.force_login(editor)
    url = change_url(org)
    page = client.get(url)
    inlines = page.context["inline_admin_formsets"]
    assert not any(inline.has_change_permission for inline in inlines)
    prefix = "key_figures"
    data = admin_form_data(page) | {f"{prefix}-0-id": turnover.pk}
    data[f"{prefix}-0-value"] = "1"
    assert client.post(url, data).status_code == 403
    turnover.refresh_from_db()
    assert turnover.value == 1000


def test_a_source_or_sector_a_published_record_cites_is_for_publishers(
    client, editor, publisher
):
    source = KeyFigureFactory().source
    parent = SectorFactory(slug="industry")
    child = SectorFactory(slug="machinery", parent=parent)
    figure(KeyFigure, OrganisationFactory(), sector=child)
    unused = SourceFactory(title="Unused")
    client.force_login(editor)
    for row in (source, parent, child):
        response = client.post(change_url(row), {"title": "X", "name": "X"})
        assert response.status_code == 403, row
        assert review.refusal(publisher, row) is None
        assert "cited by the published" in review.refusal(editor, row)
    url = change_url(unused)
    response = client.post(url, admin_form_data(client.get(url), title="Better"))
    assert response.status_code == 302
    assert Source.objects.get(pk=unused.pk).title == "Better"


def test_a_source_cited_by_both_kinds_needs_both_publish_permissions(
    django_user_model,
):
    from django.contrib.auth.models import Permission

    source = SourceFactory()
    OrganisationFactory().sources.add(source)
    MechanismFactory().sources.add(source)
    user = django_user_model.objects.create_user(username="half", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename="publish_organisation")
    )
    assert "cited by the published" in review.refusal(user, source)
    user.user_permissions.add(Permission.objects.get(codename="publish_mechanism"))
    user = django_user_model.objects.get(pk=user.pk)  # a fresh permission cache
    assert review.refusal(user, source) is None


def test_an_editor_cannot_revert_a_published_record(client, editor):
    import reversion
    from reversion.models import Version

    with reversion.create_revision():
        org = OrganisationFactory(status=Status.DRAFT, summary="Draft")
    with reversion.create_revision():
        org.status, org.summary = Status.PUBLISHED, "Approved"
        org.save()
    old = Version.objects.get_for_object(org).last()
    client.force_login(editor)
    url = reverse("admin:organisations_organisation_revision", args=[org.pk, old.pk])
    assert client.post(url, {"status": "draft", "summary": "Draft"}).status_code == 403
    org.refresh_from_db()
    assert (org.status, org.summary) == (Status.PUBLISHED, "Approved")


def test_an_editor_cannot_recover_a_deleted_published_record(client, editor):
    import reversion
    from reversion.models import Version

    with reversion.create_revision():
        org = OrganisationFactory(name="Deleted while published")
    pk = org.pk
    org.delete()
    deleted = Version.objects.get_deleted(Organisation).get(object_id=str(pk))
    client.force_login(editor)
    url = reverse("admin:organisations_organisation_recover", args=[deleted.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert client.post(url, {"name": "Back", "status": "published"}).status_code == 403
    assert not Organisation.objects.filter(pk=pk).exists()


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/mechanisms/"])
def test_an_editors_api_write_to_a_published_record_is_refused_with_a_reason(
    editor, publisher, path
):
    factory = OrganisationFactory if "organisations" in path else MechanismFactory
    record = factory(slug="live", summary="Approved")
    api = token_client(editor)
    response = api.patch(f"{path}live/", {"summary": "Unreviewed"}, format="json")
    assert response.status_code == 403
    assert "published: only a publisher" in response.json()["detail"]
    assert api.delete(f"{path}live/").status_code == 403
    record.refresh_from_db()
    assert record.summary == "Approved"
    response = token_client(publisher).patch(
        f"{path}live/", {"summary": "Reviewed"}, format="json"
    )
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.summary == "Reviewed"
