"""Organisations, the sectors and sources both apps share, and their facts."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractYear
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries.fields import CountryField

from .regions import REGION_BY_COUNTRY, Region, countries_in

__all__ = ["Region", "REGION_BY_COUNTRY"]


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Qualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    MORE_THAN = "more_than", _("more than")
    AT_LEAST = "at_least", _("at least")
    LESS_THAN = "less_than", _("less than")


class Unit(models.TextChoices):
    CNY = "CNY", _("yuan (CNY)")
    USD = "USD", _("US dollars")
    EUR = "EUR", _("euros")
    PEOPLE = "people", _("people")
    ORGANISATIONS = "organisations", _("organisations")
    COUNTRIES = "countries", _("countries")
    BODIES = "bodies", _("bodies")
    COMPANIES = "companies", _("companies")
    GROUPS = "groups", _("groups")
    PLACES = "places", _("places")
    PERCENT = "percent", _("per cent")
    ITEMS = "items", _("items")


# A value with its unit, as a page writes it in each language ("1 body", "3 bodies",
# "5,300 元"); the API's value_display keeps the unit's code.
UNIT_TEXTS = {
    Unit.CNY: ngettext_lazy("%(n)s CNY", "%(n)s CNY", "count"),
    Unit.USD: ngettext_lazy("%(n)s USD", "%(n)s USD", "count"),
    Unit.EUR: ngettext_lazy("%(n)s EUR", "%(n)s EUR", "count"),
    Unit.PEOPLE: ngettext_lazy("%(n)s person", "%(n)s people", "count"),
    Unit.ORGANISATIONS: ngettext_lazy(
        "%(n)s organisation", "%(n)s organisations", "count"
    ),
    Unit.COUNTRIES: ngettext_lazy("%(n)s country", "%(n)s countries", "count"),
    Unit.BODIES: ngettext_lazy("%(n)s body", "%(n)s bodies", "count"),
    Unit.COMPANIES: ngettext_lazy("%(n)s company", "%(n)s companies", "count"),
    Unit.GROUPS: ngettext_lazy("%(n)s group", "%(n)s groups", "count"),
    Unit.PLACES: ngettext_lazy("%(n)s place", "%(n)s places", "count"),
    Unit.PERCENT: ngettext_lazy("%(n)s per cent", "%(n)s per cent", "count"),
    Unit.ITEMS: ngettext_lazy("%(n)s item", "%(n)s items", "count"),
}

COUNT_UNITS = [
    Unit.PEOPLE,
    Unit.ORGANISATIONS,
    Unit.COUNTRIES,
    Unit.BODIES,
    Unit.COMPANIES,
    Unit.GROUPS,
    Unit.PLACES,
    Unit.ITEMS,
]


def validate_not_future_year(value):
    if value is not None and value > timezone.now().year:
        raise ValidationError(
            _("%(value)s is in the future."),
            code="future_year",
            params={"value": value},
        )


class ListedMixin:
    """A record's sectors and countries as lists show them: as for_list fetched
    them for a whole page (into plain lists: one query each, no queryset built
    per record), else read now; its Chinese name."""

    @property
    def chinese_name(self):
        """The record's name in Chinese, when the data has it."""
        chinese = (self.native_language or "").lower().startswith("zh")
        return self.native_name if chinese else ""

    def listed_sectors(self):
        return self._listed("sectors")

    def listed_countries(self):
        return self._listed("countries")

    def _listed(self, relation):
        listed = self.__dict__.get(f"page_{relation}")
        return listed if listed is not None else list(getattr(self, relation).all())


def for_list(queryset):
    """Return queryset with what a list shows of each record fetched for them all."""
    return queryset.select_related("parent").prefetch_related(
        models.Prefetch("sectors", to_attr="page_sectors"),
        models.Prefetch("countries", to_attr="page_countries"),
    )


class PartialDateMixin(models.Model):
    """A date known to the year, the month or the day."""

    founded_year = models.PositiveSmallIntegerField(
        _("founded (year)"),
        null=True,
        blank=True,
        db_index=True,
        validators=[MinValueValidator(1000), validate_not_future_year],
        help_text=_("Leave empty when the sources do not say."),
    )
    founded_month = models.PositiveSmallIntegerField(
        _("founded (month)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Only when the sources give the month."),
    )
    founded_day = models.PositiveSmallIntegerField(
        _("founded (day)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("Only when the sources give the full date."),
    )

    class Meta:
        abstract = True

    @property
    def founded_display(self):
        """Return the founding date as precise as known: 2017, 2017-04, 2017-04-03."""
        if not self.founded_year:
            return ""
        parts = [f"{self.founded_year:04d}"]
        if self.founded_month:
            parts.append(f"{self.founded_month:02d}")
            if self.founded_day:
                parts.append(f"{self.founded_day:02d}")
        return "-".join(parts)

    def clean(self):
        super().clean()
        if self.founded_month and not self.founded_year:
            raise ValidationError({"founded_month": _("A month needs a year.")})
        if self.founded_day and not self.founded_month:
            raise ValidationError({"founded_day": _("A day needs a month.")})
        if self.founded_day:
            try:
                timezone.datetime(
                    self.founded_year, self.founded_month, self.founded_day
                )
            except ValueError:
                raise ValidationError({"founded_day": _("No such date.")}) from None

    @classmethod
    def founded_constraints(cls, prefix):
        """Return the database checks every founding date must pass."""
        return [
            models.CheckConstraint(
                condition=Q(founded_year__isnull=True)
                | Q(
                    founded_year__gte=1000, founded_year__lte=ExtractYear("created_at")
                ),
                name=f"{prefix}_founded_year_not_future",
                violation_error_message=_("The founding year cannot be in the future."),
            ),
            models.CheckConstraint(
                condition=Q(founded_month__isnull=True)
                | Q(
                    founded_month__gte=1,
                    founded_month__lte=12,
                    founded_year__isnull=False,
                ),
                name=f"{prefix}_founded_month_valid",
            ),
            models.CheckConstraint(
                condition=Q(founded_day__isnull=True)
                | Q(
                    founded_day__gte=1, founded_day__lte=31, founded_month__isnull=False
                ),
                name=f"{prefix}_founded_day_valid",
            ),
        ]


def bump_version(instance):
    """Set instance.version one above the highest stored, before a save."""
    if instance._state.adding or instance.pk is None:
        return
    stored = (
        type(instance)
        ._base_manager.filter(pk=instance.pk)
        .values_list("version", flat=True)
        .first()
    )
    instance.version = max(instance.version or 0, stored or 0) + 1


def lf_line_ends(instance):
    """Store instance's text with LF line ends, whatever a browser, file or API
    client sent (CRLF, CR): the same text must never read as a change."""
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str) and "\r" in value:
            text = value.replace("\r\n", "\n").replace("\r", "\n")
            setattr(instance, field.attname, text)


def can_publish(user, model):
    """Return whether user may publish (or unpublish) records of model."""
    opts = model._meta
    return bool(user and user.has_perm(f"{opts.app_label}.publish_{opts.model_name}"))


class OldSlug(models.Model):
    """A slug a record had before it was renamed, kept so that its old links answer
    with a permanent redirect to the current page instead of 404."""

    # The record's model name ("organisation", "mechanism", "sector"): one table
    # serves the apps without organisations knowing of mechanisms.
    kind = models.CharField(_("kind"), max_length=30)
    slug = models.SlugField(_("slug"), max_length=120, db_index=False)
    record_id = models.BigIntegerField(_("record"))
    created_at = models.DateTimeField(_("renamed"), auto_now_add=True)

    class Meta:
        verbose_name = _("old slug")
        verbose_name_plural = _("old slugs")
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="old_slug_unique")
        ]

    def __str__(self):
        return f"{self.kind}: {self.slug}"

    @classmethod
    def find(cls, queryset, slug):
        """Return the record of queryset that slug named before, or None."""
        kind = queryset.model._meta.model_name
        pk = (
            cls.objects.filter(kind=kind, slug=slug)
            .values_list("record_id", flat=True)
            .first()
        )
        return None if pk is None else queryset.filter(pk=pk).first()


def stored_slug(instance):
    """Return the slug instance has in the database ("" for a new record)."""
    if instance._state.adding or instance.pk is None:
        return ""
    stored = type(instance)._base_manager.filter(pk=instance.pk)
    return stored.values_list("slug", flat=True).first() or ""


def keep_old_slug(instance, old):
    """After a save: remember old as instance's former slug if it changed. (A
    slug in use again needs no clean-up: a record's own slug is looked up first.)"""
    if old and old != instance.slug:
        OldSlug.objects.update_or_create(
            kind=instance._meta.model_name,
            slug=old,
            defaults={"record_id": instance.pk},
        )


class Sector(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent sector"),
        help_text=_("The broader sector this one belongs to, if any."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="sector_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old = stored_slug(self)
        super().save(*args, **kwargs)
        keep_old_slug(self, old)

    def get_absolute_url(self):
        return reverse("sectors:detail", args=[self.slug])

    @property
    def label(self):
        """The name in the active language: the Chinese one on Chinese pages, where
        the data has it."""
        return self.name_zh if self.label_language != "en" else self.name

    @property
    def label_language(self):
        chinese = (translation.get_language() or "").startswith("zh")
        return "zh-Hans" if chinese and self.name_zh else "en"


class SectorTree:
    """Every sector, by slug and by pk, with the sub-sectors of each.

    A search by sector asks for it three times (the filter's slugs, the
    sub-sectors they include, the facet labels), so it is read once per version
    of the search index and kept in the process: saving or deleting a sector
    raises the version (coopdir.search.signals), so it is never stale. Its
    sectors are shared: read them, do not change them.
    """

    def __init__(self, sectors):
        self.sectors = list(sectors)  # in Sector's own order (by name)
        self.by_slug = {sector.slug: sector for sector in self.sectors}
        self.by_pk = {sector.pk: sector for sector in self.sectors}
        self.children = {}
        for sector in self.sectors:
            if sector.parent_id is not None:
                self.children.setdefault(sector.parent_id, []).append(sector.pk)

    @classmethod
    def current(cls):
        from coopdir.search.found import memo

        return memo(("sector tree",), lambda: cls(Sector.objects.all()))

    def descendants(self, *pks):
        """Return pks and the pks of every sector below them."""
        pks, frontier = set(pks), list(pks)
        while frontier:
            frontier = [
                child
                for parent in frontier
                for child in self.children.get(parent, ())
                if child not in pks
            ]
            pks.update(frontier)
        return pks


class Source(models.Model):
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(
        _("publisher"), max_length=200, blank=True, help_text=_("Who published it.")
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        blank=True,
        help_text=_("Leave empty when the source has no address; never guess one."),
    )
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    excerpt = models.TextField(
        _("excerpt"),
        blank=True,
        help_text=_("The source text itself, when there is no URL to point to."),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return f"{self.title} ({self.publisher})" if self.publisher else self.title


def sees_drafts(user):
    return bool(user is not None and user.is_active and user.is_staff)


class EntityQuerySet(models.QuerySet):
    """Reads shared by organisations and mechanisms."""

    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        return self if sees_drafts(user) else self.published()

    def in_country(self, *codes):
        codes = [c.upper() for c in codes]
        return self.filter(pk__in=self._country_pks(codes))

    def in_region(self, *regions):
        codes = [c for region in regions for c in countries_in(region)]
        return self.in_country(*codes)

    def in_sector(self, *sectors):
        pks = SectorTree.current().descendants(*(sector.pk for sector in sectors))
        # A subquery, not a join: no DISTINCT over whole rows, so a page in name
        # order stops at its LIMIT rather than sorting every record of the sector.
        through = self.model.sectors.through
        fk = f"{self.model._meta.model_name}_id"
        return self.filter(pk__in=through.objects.filter(sector_id__in=pks).values(fk))

    def _country_pks(self, codes):
        raise NotImplementedError


class OrganisationQuerySet(EntityQuerySet):
    def _country_pks(self, codes):
        # The headquarters country is always among the rows too (see Organisation.save).
        return OrganisationCountry.objects.filter(country__in=codes).values(
            "organisation_id"
        )

    def for_list(self):
        return for_list(self)


class Organisation(ListedMixin, PartialDateMixin, models.Model):
    class Kind(models.TextChoices):
        APEX_BODY = "apex_body", _("Apex body")
        FEDERATION = "federation", _("Federation")
        COOPERATIVE = "cooperative", _("Cooperative")
        CHAMBER = "chamber", _("Chamber of commerce")
        TRADE_PROMOTION = "trade_promotion", _("Trade-promotion agency")
        GOVERNMENT = "government", _("Government body")
        ASSOCIATION = "association", _("Association")
        COMPANY = "company", _("Company or group")
        BANK = "bank", _("Bank")
        INTERNATIONAL = "international", _("International organisation")
        OFFICE = "office", _("Office or unit")
        COUNCIL = "council", _("Council or board")
        NETWORK = "network", _("Committee or network")

    class Relation(models.TextChoices):
        COUNCIL_BODY = "council_body", _("Council body")
        SUPERVISORY_BODY = "supervisory_body", _("Supervisory body")
        SUBORDINATE_INSTITUTION = (
            "subordinate_institution",
            _("Subordinate institution"),
        )
        COMPETENT_ASSOCIATION = "competent_association", _("Competent association")
        SUBSIDIARY = "subsidiary", _("Subsidiary")
        GLOBAL_OFFICE = "global_office", _("Global office")
        REGIONAL_OFFICE = "regional_office", _("Regional office")
        SECTORAL_ORGANISATION = "sectoral_organisation", _("Sectoral organisation")
        COMMITTEE_NETWORK = "committee_network", _("Committee or network")
        MINISTRY = "ministry", _("Ministry or department")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name"), max_length=300, help_text=_("The name in English.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True, db_index=True)
    native_name = models.CharField(
        _("native name"),
        max_length=300,
        blank=True,
        help_text=_(
            "The official name in its original script, e.g. 中华全国供销合作总社."
        ),
    )
    native_language = models.CharField(
        _("native language"),
        max_length=15,
        blank=True,
        help_text=_("BCP 47 language code of the native name, e.g. zh-Hans, it, fi."),
    )
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, db_index=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organisation"),
        help_text=_("The body this one belongs to (council, office, subsidiary, …)."),
    )
    relation_to_parent = models.CharField(
        _("relation to parent"),
        max_length=30,
        choices=Relation.choices,
        blank=True,
        help_text=_("What this body is to its parent."),
    )
    governance = models.CharField(
        _("governance"),
        max_length=300,
        blank=True,
        help_text=_(
            "How it is led, e.g. the system of responsibility of the Director of "
            "the Council."
        ),
    )
    hq_country = CountryField(_("headquarters country"), blank=True, db_index=True)
    hq_city = models.CharField(_("headquarters city"), max_length=120, blank=True)
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="organisations", verbose_name=_("sectors")
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    summary = models.CharField(
        _("summary"),
        max_length=500,
        blank=True,
        help_text=_("One or two plain sentences."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown; sanitised when shown.")
    )
    editor_notes = models.TextField(
        _("notes for editors"),
        blank=True,
        help_text=_(
            "Working notes (what the sources leave open, how a fact was read): "
            "shown in the admin only, never on public pages or in the API."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="organisations", verbose_name=_("sources")
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Raised on every save; a stale edit is refused."),
    )
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]  # pk: pages stable among equal names
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="organisation_not_own_parent",
                violation_error_message=_("An organisation cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(relation_to_parent="") | Q(parent__isnull=False),
                name="organisation_relation_needs_parent",
                violation_error_message=_("A relation to parent needs a parent."),
            ),
            *PartialDateMixin.founded_constraints("organisation"),
        ]
        indexes = [
            models.Index(fields=["status", "name"]),
            # The search's orders besides relevance read a page by these (LIMIT).
            models.Index(fields=["status", "founded_year"]),
            models.Index(fields=["status", "updated_at"]),
            # A country's headquartered records in name order, and their count,
            # read from the index alone (the country page).
            models.Index(
                fields=["hq_country", "status", "name", "id"],
                name="organisation_hq_by_name",
            ),
        ]
        permissions = [("publish_organisation", _("Can publish organisations"))]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def save(self, *args, **kwargs):
        lf_line_ends(self)
        bump_version(self)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        old = stored_slug(self)
        super().save(*args, **kwargs)
        keep_old_slug(self, old)
        if self.hq_country:
            OrganisationCountry.objects.get_or_create(
                organisation=self, country=self.hq_country
            )

    def get_absolute_url(self):
        return reverse("organisations:detail", args=[self.slug])

    @property
    def region(self):
        return REGION_BY_COUNTRY.get(str(self.hq_country)) if self.hq_country else None

    def clean(self):
        super().clean()
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": _("This would make a loop of parents.")}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


@receiver(pre_delete, sender=Organisation)
def keep_children_of_deleted_parent(sender, instance, **kwargs):
    """Keep a deleted organisation's children, without a relation to a parent.

    The parent link is set to NULL by the database cascade after this; the relation
    must go first, or the check organisation_relation_needs_parent refuses the delete
    (from the admin, the API, an import or the shell alike).
    """
    for child in instance.children.exclude(relation_to_parent=""):
        child.relation_to_parent = ""
        child.save()


class OrganisationCountry(models.Model):
    """A country an organisation operates in: one indexed row per country."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="countries"
    )
    country = CountryField(_("country"), db_index=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("country of operation")
        verbose_name_plural = _("countries of operation")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "country"], name="organisation_country_unique"
            )
        ]
        indexes = [models.Index(fields=["country", "organisation"])]

    def __str__(self):
        return str(self.country.name)


class OrganisationRegion(models.Model):
    """A region an office covers rather than one country (e.g. ICA Africa)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="regions_served"
    )
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)

    class Meta:
        ordering = ["region"]
        verbose_name = _("region served")
        verbose_name_plural = _("regions served")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "region"], name="organisation_region_unique"
            )
        ]
        indexes = [models.Index(fields=["region", "organisation"])]

    def __str__(self):
        return self.get_region_display()


class NameKind(models.TextChoices):
    ALIAS = "alias", _("Alias")
    SHORT = "short", _("Short name")
    ACRONYM = "acronym", _("Other acronym")
    FORMER = "former", _("Former name")
    TRANSLATION = "translation", _("Translation")
    OFFICIAL = "official", _("Official name")


class OtherNameBase(models.Model):
    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(
        _("language"),
        max_length=15,
        blank=True,
        help_text=_("BCP 47 code, e.g. en, zh-Hans."),
    )
    kind = models.CharField(_("kind"), max_length=15, choices=NameKind.choices)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class OrganisationName(OtherNameBase):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="other_names"
    )

    class Meta:
        ordering = ["organisation", "kind", "name"]
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="organisation_name_unique"
            )
        ]


class Duty(models.Model):
    """One of an organisation's duties or roles, in the order its source lists them."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="duties"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["organisation", "position", "pk"]
        verbose_name = _("duty or role")
        verbose_name_plural = _("duties and roles")

    def __str__(self):
        return self.text[:80]


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user, side):
        """Return the memberships whose side ("member" or "organisation") user may
        see: by a join, where an IN over every visible organisation would read
        the whole directory for one organisation's members."""
        if sees_drafts(user):
            return self
        return self.filter(**{f"{side}__status": Status.PUBLISHED})


class Membership(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full member")
        ASSOCIATE = "associate", _("Associate member")
        OBSERVER = "observer", _("Observer")
        MEMBER = "member", _("Member")
        REPRESENTATIVE = "representative", _("Takes part on behalf of a government")

    member = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("member"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("member of"),
    )
    kind = models.CharField(
        _("kind"), max_length=15, choices=Kind.choices, default=Kind.MEMBER
    )
    since_year = models.PositiveSmallIntegerField(
        _("since (year)"), null=True, blank=True, validators=[validate_not_future_year]
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "member"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organisation"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=~Q(member=F("organisation")), name="membership_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.member} → {self.organisation}"


class FigureBase(models.Model):
    """A number a source states, at full magnitude, with its unit and period."""

    class Metric(models.TextChoices):
        TURNOVER = "turnover", _("Turnover")
        SALES = "sales", _("Sales")
        WHOLESALE_TURNOVER = (
            "wholesale_turnover",
            _("Commodity trading (wholesale) turnover"),
        )
        CHAIN_SALES = "chain_sales", _("Chain operation sales")
        IMPORT_EXPORT = "import_export", _("Imports and exports")
        IMPORTS = "imports", _("Imports")
        EXPORTS = "exports", _("Exports")
        PURCHASES = "purchases", _("Purchases")
        INCOME = "income", _("Income")
        ASSETS_TURNOVER = "assets_turnover", _("Turnover of assets")
        MEMBERS = "members", _("Members (people)")
        MEMBER_ORGANISATIONS = "member_organisations", _("Member organisations")
        COUNTRIES = "countries", _("Countries")
        COOPERATIVES = "cooperatives", _("Cooperatives")
        BODIES = "bodies", _("Bodies")
        INSTITUTIONS = "institutions", _("Institutions")
        ASSOCIATIONS = "associations", _("Associations")
        SUBSIDIARIES = "subsidiaries", _("Subsidiaries")
        OFFICES = "offices", _("Offices")
        WORKING_GROUPS = "working_groups", _("Working groups")
        SUBNATIONAL = "subnational", _("Sub-national participants")
        BOARD_COMPANIES = "board_companies", _("Board companies")
        VALUES = "values", _("Values")
        PRINCIPLES = "principles", _("Principles")
        OTHER = "other", _("Other")

    class Period(models.TextChoices):
        YEAR = "year", _("Calendar year")
        CURRENT = "current", _("At present (as of the source)")

    label = models.CharField(
        _("label"),
        max_length=200,
        help_text=_("What the figure is, as the source says it."),
    )
    metric = models.CharField(
        _("metric"), max_length=30, choices=Metric.choices, db_index=True
    )
    period = models.CharField(
        _("period"), max_length=10, choices=Period.choices, default=Period.YEAR
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The calendar year, for yearly figures."),
    )
    as_of = models.DateField(
        _("as of"),
        null=True,
        blank=True,
        help_text=_("For counts true 'at present': the date, when known."),
    )
    scope = models.CharField(
        _("scope"),
        max_length=200,
        blank=True,
        help_text=_(
            "When the figure covers more than the body itself, e.g. the whole system."
        ),
    )
    segment = models.CharField(
        _("segment"),
        max_length=200,
        blank=True,
        help_text=_(
            "The part of the business, e.g. agricultural production materials."
        ),
    )
    sector = models.ForeignKey(
        Sector,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sector"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("among"),
        help_text=_("The total this figure is part of ('among them')."),
    )
    value = models.DecimalField(
        _("value"),
        max_digits=24,
        decimal_places=4,
        help_text=_("At full magnitude: 5.3 trillion is 5300000000000."),
    )
    qualifier = models.CharField(
        _("qualifier"),
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
    )
    unit = models.CharField(_("unit"), max_length=15, choices=Unit.choices)
    change_pct = models.DecimalField(
        _("change, % year on year"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="+", verbose_name=_("source")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("What a reader must know about how the source words it."),
    )

    class Meta:
        abstract = True

    def __str__(self):
        when = str(self.year) if self.period == self.Period.YEAR else _("at present")
        return f"{self.label} ({when}): {self.value_display}"

    @property
    def value_text(self):
        """The value in the page's language, its unit written out for people."""
        value = self.value.normalize()
        count = int(value) if value == value.to_integral_value() else 2
        number = f"{value:,f}"
        if self.unit in UNIT_TEXTS:
            text = UNIT_TEXTS[self.unit] % {"n": number, "count": count}
        else:
            text = f"{number} {self.unit}"
        if self.qualifier != Qualifier.EXACT:
            text = f"{self.get_qualifier_display()} {text}"
        return text

    @property
    def value_display(self):
        """The value in English whatever the language (the API's), "1 body" too."""
        with translation.override("en"):
            return str(self.value_text)

    def clean(self):
        super().clean()
        if self.period == self.Period.YEAR and not self.year:
            raise ValidationError({"year": _("A yearly figure needs its year.")})
        if self.unit in COUNT_UNITS and self.value is not None and self.value < 0:
            raise ValidationError({"value": _("A count cannot be negative.")})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A figure cannot be part of itself.")})

    @classmethod
    def figure_constraints(cls, prefix):
        return [
            models.CheckConstraint(
                condition=Q(value__gte=0) | ~Q(unit__in=COUNT_UNITS),
                name=f"{prefix}_count_not_negative",
                violation_error_message=_("A count cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(period="year") | Q(year__isnull=False),
                name=f"{prefix}_yearly_has_year",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name=f"{prefix}_not_own_parent"
            ),
        ]


class KeyFigure(FigureBase):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="key_figures"
    )

    class Meta:
        # Yearly figures newest first, then those true "at present": NULL years
        # sort last on SQLite and first on PostgreSQL unless told.
        ordering = [
            "organisation",
            models.F("year").desc(nulls_last=True),
            "position",
            "pk",
        ]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = FigureBase.figure_constraints("keyfigure")
