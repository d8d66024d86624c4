"""Who may read and write: token writes, publishing, validation (throttling is
coopdir.throttling's)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions, permissions, serializers
from rest_framework.settings import api_settings

from organisations.models import Status, can_publish


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
