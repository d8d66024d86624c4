"""International working mechanisms, their secretariats, participants and countries."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from organisations.models import (
    EntityQuerySet,
    FigureBase,
    ListedMixin,
    Organisation,
    OtherNameBase,
    PartialDateMixin,
    Sector,
    Source,
    Status,
    bump_version,
    for_list,
    keep_old_slug,
    lf_line_ends,
    stored_slug,
    validate_not_future_year,
)


class MechanismQuerySet(EntityQuerySet):
    def _country_pks(self, codes):
        return MechanismCountry.objects.filter(country__in=codes).values("mechanism_id")

    def involving(self, organisation):
        """Return the mechanisms organisation hosts a secretariat of or joins."""
        return self.filter(
            Q(
                pk__in=Secretariat.objects.filter(organisation=organisation).values(
                    "mechanism_id"
                )
            )
            | Q(
                pk__in=Participant.objects.filter(organisation=organisation).values(
                    "mechanism_id"
                )
            )
        )

    def for_list(self):
        return for_list(self)


class Mechanism(ListedMixin, PartialDateMixin, models.Model):
    class Kind(models.TextChoices):
        BUSINESS_COUNCIL = "business_council", _("Business council")
        BILATERAL_CHAMBER = "bilateral_chamber", _("Bilateral chamber of commerce")
        JOINT_WORKING_GROUP = "joint_working_group", _("Joint working group")
        WORKING_GROUP = "working_group", _("Working group")
        ADVISORY_COMMITTEE = "advisory_committee", _("Economic advisory committee")
        BUSINESS_FORUM = "business_forum", _("Business forum")
        BUSINESS_COMMITTEE = (
            "business_committee",
            _("Committee for business cooperation"),
        )
        OTHER = "other", _("Other")

    class Scope(models.TextChoices):
        BILATERAL = "bilateral", _("Bilateral")
        MULTILATERAL = "multilateral", _("Multilateral")
        REGIONAL = "regional", _("Regional")

    name = models.CharField(
        _("name"), max_length=300, help_text=_("The name in English.")
    )
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True, db_index=True)
    native_name = models.CharField(_("native name"), max_length=300, blank=True)
    native_language = models.CharField(_("native language"), max_length=15, blank=True)
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, db_index=True
    )
    scope = models.CharField(
        _("scope"), max_length=15, choices=Scope.choices, db_index=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent mechanism"),
        help_text=_("For a working group: the mechanism it belongs to."),
    )
    origin = models.TextField(
        _("origin"),
        blank=True,
        help_text=_("How it came about: who initiated it, when and where."),
    )
    origin_event = models.CharField(
        _("origin event"),
        max_length=300,
        blank=True,
        help_text=_("The summit, visit or meeting at which it was initiated."),
    )
    origin_instrument = models.CharField(
        _("founding instrument"),
        max_length=400,
        blank=True,
        help_text=_("The declaration, MOU or agreement it was established under."),
    )
    origin_year = models.PositiveSmallIntegerField(
        _("origin (year)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), validate_not_future_year],
    )
    origin_month = models.PositiveSmallIntegerField(
        _("origin (month)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="mechanisms", verbose_name=_("sectors")
    )
    purpose = models.TextField(_("purpose"), blank=True)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
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
    website = models.URLField(_("website"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="mechanisms", verbose_name=_("sources")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    objects = MechanismQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]  # pk: pages stable among equal names
        verbose_name = _("mechanism")
        verbose_name_plural = _("mechanisms")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="mechanism_not_own_parent",
                violation_error_message=_("A mechanism cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(origin_month__isnull=True)
                | Q(
                    origin_month__gte=1, origin_month__lte=12, origin_year__isnull=False
                ),
                name="mechanism_origin_month_valid",
            ),
            *PartialDateMixin.founded_constraints("mechanism"),
        ]
        indexes = [
            models.Index(fields=["status", "name"]),
            # The search's orders besides relevance read a page by these (LIMIT).
            models.Index(fields=["status", "founded_year"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        permissions = [("publish_mechanism", _("Can publish mechanisms"))]

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

    def get_absolute_url(self):
        return reverse("mechanisms:detail", args=[self.slug])

    @property
    def origin_display(self):
        if not self.origin_year:
            return ""
        if self.origin_month:
            return f"{self.origin_year:04d}-{self.origin_month:02d}"
        return f"{self.origin_year:04d}"

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


class MechanismName(OtherNameBase):
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="other_names"
    )

    class Meta:
        ordering = ["mechanism", "kind", "name"]
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "name"], name="mechanism_name_unique"
            )
        ]


class MechanismCountry(models.Model):
    """A participating country: one indexed row per country."""

    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="countries"
    )
    country = CountryField(_("country"), db_index=True)

    class Meta:
        ordering = ["country"]
        verbose_name = _("participating country")
        verbose_name_plural = _("participating countries")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "country"], name="mechanism_country_unique"
            )
        ]
        indexes = [models.Index(fields=["country", "mechanism"])]

    def __str__(self):
        return str(self.country.name)


class SubnationalParticipant(models.Model):
    """A province, state, municipality or city taking part in a mechanism."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        MUNICIPALITY = "municipality", _("Municipality")
        STATE = "state", _("State")
        CITY = "city", _("City")
        REGION = "region", _("Region")

    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="subnational_participants"
    )
    name = models.CharField(_("name"), max_length=120)
    native_name = models.CharField(_("native name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    country = CountryField(_("country"), db_index=True)

    class Meta:
        ordering = ["mechanism", "country", "name"]
        verbose_name = _("sub-national participant")
        verbose_name_plural = _("sub-national participants")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "country", "name"], name="subnational_unique"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()}, {self.country.code})"


class Secretariat(models.Model):
    class Role(models.TextChoices):
        CHINESE = "chinese_secretariat", _("Chinese secretariat")
        FOREIGN = "foreign_secretariat", _("Foreign secretariat")
        SECRETARIAT = "secretariat", _("Secretariat")
        CHAIRMAN_OFFICE = "chairman_office", _("Chairman's office")

    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="secretariats"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="secretariats",
        verbose_name=_("host organisation"),
    )
    side = CountryField(
        _("side"),
        blank=True,
        help_text=_("The country whose side this secretariat serves."),
    )
    role = models.CharField(_("role"), max_length=25, choices=Role.choices)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["mechanism", "side", "organisation"]
        verbose_name = _("secretariat")
        verbose_name_plural = _("secretariats")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "organisation", "role"], name="secretariat_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()} of {self.mechanism}: {self.organisation}"


class Participant(models.Model):
    class Role(models.TextChoices):
        INITIATOR = "initiator", _("Initiator")
        COUNTERPART = "counterpart", _("Counterpart at the founding meeting")
        LEAD = "lead", _("Lead in establishing")
        SIGNATORY = "signatory", _("Signatory")
        PARTY = "party", _("Party to the founding instrument")
        SUPPORTER = "supporter", _("Supporter")
        CHAIR = "chair", _("Chair")
        SIDE_CHAIR = "side_chair", _("Chair of one side")
        BOARD_MEMBER = "board_member", _("Board member")
        MEMBER = "member", _("Member")

    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("organisation"),
    )
    role = models.CharField(
        _("role"), max_length=15, choices=Role.choices, db_index=True
    )
    side = CountryField(_("side"), blank=True)
    person_name = models.CharField(_("person"), max_length=120, blank=True)
    person_title = models.CharField(_("person's title"), max_length=200, blank=True)
    since_year = models.PositiveSmallIntegerField(
        _("since (year)"), null=True, blank=True, validators=[validate_not_future_year]
    )
    since_month = models.PositiveSmallIntegerField(
        _("since (month)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["mechanism", "role", "organisation"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "organisation", "role", "person_name"],
                name="participant_unique",
            ),
            models.CheckConstraint(
                condition=Q(since_month__isnull=True) | Q(since_year__isnull=False),
                name="participant_month_needs_year",
            ),
        ]

    def __str__(self):
        who = f"{self.person_name}, " if self.person_name else ""
        return (
            f"{who}{self.organisation} — {self.get_role_display()} of {self.mechanism}"
        )


class MechanismFigure(FigureBase):
    mechanism = models.ForeignKey(
        Mechanism, on_delete=models.CASCADE, related_name="figures"
    )

    class Meta:
        # Yearly figures newest first, then those true "at present": NULL years
        # sort last on SQLite and first on PostgreSQL unless told.
        ordering = [
            "mechanism",
            models.F("year").desc(nulls_last=True),
            "position",
            "pk",
        ]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = FigureBase.figure_constraints("mechanismfigure")
