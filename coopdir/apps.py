from django.apps import AppConfig, apps

# Apps whose rows never reach the public pages (staff accounts, API tokens,
# sign-in logs): their own model permissions decide who writes them.
PRIVATE_APPS = ("auth", "authtoken", "axes")


class CoopdirConfig(AppConfig):
    name = "coopdir"
    verbose_name = "coopdir"

    def ready(self):
        # The search index follows every write of both apps (coopdir may import
        # them; they never import coopdir's signals).
        from .rest import review
        from .search import signals

        signals.connect()
        for config in apps.get_app_configs():
            if config.label in PRIVATE_APPS:
                for model in config.get_models():
                    review.register_private(model)
