from django.apps import AppConfig


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
