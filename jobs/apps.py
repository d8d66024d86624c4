from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        from coopdir.rest import review

        from .models import Job

        # Staff's own bookkeeping and the queue under it: the public never sees them.
        review.register_private(Job)
        for model in apps.get_app_config("django_tasks_database").get_models():
            review.register_private(model)
