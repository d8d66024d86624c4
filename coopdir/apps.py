from django.apps import AppConfig, apps
from django.contrib.admin import apps as admin_apps

# Apps whose rows never reach the public pages (staff accounts, API tokens,
# sign-in logs, second-factor devices): their own model permissions decide who
# writes them.
PRIVATE_APPS = ("auth", "knox", "axes", "otp_totp")


class CoopdirConfig(AppConfig):
    name = "coopdir"
    verbose_name = "coopdir"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import pagecache
        from .rest import review
        from .search import signals
        from .signin import stamp_sign_in

        # The search index follows every write of both apps (coopdir may import
        # them; they never import coopdir's signals).
        signals.connect()
        user_logged_in.connect(stamp_sign_in, dispatch_uid="coopdir.signin")
        for config in apps.get_app_configs():
            if config.label in PRIVATE_APPS:
                for model in config.get_models():
                    review.register_private(model)
        # After every app has told the review step which of its models are public.
        pagecache.connect(apps.get_models())


class StaffAdminConfig(admin_apps.AdminConfig):
    """The admin with its sign-in of coopdir.signin (a second factor)."""

    default = False  # "coopdir" stays CoopdirConfig
    default_site = "coopdir.signin.StaffAdminSite"
