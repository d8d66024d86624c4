from django.apps import AppConfig


class CoopdirConfig(AppConfig):
    name = "coopdir"
    verbose_name = "coopdir"

    def ready(self):
        # The search index follows every write of both apps (coopdir may import
        # them; they never import coopdir's signals).
        from .search import signals

        signals.connect()
