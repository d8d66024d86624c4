from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoopdirConfig(AppConfig):
    name = "coopdir"
    verbose_name = "coopdir"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .search import signals
        from .signin import stamp_sign_in

        # The search index follows every write of both apps (coopdir may import
        # them; they never import coopdir's signals).
        signals.connect()
        user_logged_in.connect(stamp_sign_in, dispatch_uid="coopdir.signin")


class StaffAdminConfig(admin_apps.AdminConfig):
    """The admin with its sign-in of coopdir.signin (a second factor)."""

    default = False  # "coopdir" stays CoopdirConfig
    default_site = "coopdir.signin.StaffAdminSite"
