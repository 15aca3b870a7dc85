from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from org import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from org.auth import user_cache_invalidate
        from org.models import Department, Region, User

        # The signed-in user is cached with its department and regions (org.auth).
        for model in (User, Department, Region):
            for signal in (post_save, post_delete):
                signal.connect(user_cache_invalidate, sender=model,
                               dispatch_uid=f"user-cache-{model.__name__}-{signal}")
