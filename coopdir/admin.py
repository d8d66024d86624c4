"""Staff accounts: the add-user page makes a working staff member in one step."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

User = get_user_model()


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
