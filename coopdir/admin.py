"""Staff accounts and API tokens in the admin.

The add-user page makes a working staff member in one step.

API tokens in the admin: listed, issued and revoked, never shown again.

A token grants what its user may do, so issuing one for someone else is a
superuser's act; staff given the token permissions may issue their own, and see and
revoke (delete) the tokens the permissions allow. Only a hash of each token is stored
(django-rest-knox): the secret is shown once, on the page that issues it.
"""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS

User = get_user_model()

# The most days an admin may give a token; the default is settings.API_TOKEN_DAYS.
MAX_TOKEN_DAYS = 3650


class StaffUserCreationForm(AdminUserCreationForm):
    """A new account is staff (it signs in to the admin) in the groups chosen."""

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "is_staff", "groups")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_staff"].initial = True


class StaffUserAdmin(UserAdmin):
    add_form = StaffUserCreationForm
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (
            _("Permissions"),
            {"classes": ("wide",), "fields": ("is_staff", "groups")},
        ),
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            # A handful of groups (Editors, Publishers): ticked, not moved across.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)


class IssueTokenForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=_("The token stops working after this many days."),
    )

    class Meta:
        model = AuthToken
        fields = ["user"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].initial = settings.API_TOKEN_DAYS
        self.token = None

    def save(self, commit=True):
        token = super().save(commit=False)
        token.digest, self.token = get_digest_token()
        token.token_key = self.token[: CONSTANTS.TOKEN_KEY_LENGTH]
        token.expiry = timezone.now() + timedelta(days=self.cleaned_data["days"])
        if commit:
            token.save()
        return token


@admin.display(description=_("starts with"))
def starts_with(token):
    return f"{token.token_key[:8]}…"


@admin.display(description=_("state"))
def state(token):
    if token.expiry is not None and token.expiry <= timezone.now():
        return _("expired")
    return _("valid")


class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ["user", starts_with, "created", "expiry", state]
    list_select_related = ["user"]
    search_fields = ["user__username", "token_key"]
    ordering = ["-created"]
    date_hierarchy = "created"
    fields = ["user", starts_with, "created", "expiry"]
    readonly_fields = fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
            kwargs["fields"] = ["user", "days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["user", "days"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            users = get_user_model().objects.filter(is_active=True, is_staff=True)
            if not request.user.is_superuser:
                users = users.filter(pk=request.user.pk)
            kwargs["queryset"] = users.order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # a token is issued or revoked, never edited

    def response_add(self, request, obj, post_url_continue=None):
        # The one time the secret exists outside the client: on this page, not in
        # a message stored in the session or a cookie.
        return TemplateResponse(
            request,
            "admin/knox/authtoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("API token issued"),
                "token": obj,
                "secret": request.issued_token,
            },
        )

    def save_form(self, request, form, change):
        token = super().save_form(request, form, change)
        # On the request, not on this admin, which every request shares.
        request.issued_token = form.token
        return token


admin.site.unregister(AuthToken)
admin.site.register(AuthToken, AuthTokenAdmin)
