from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from org import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
        from org.auth import user_cache_invalidate
        from org.models import Department, Region, User
        from org.sessions import forget_prefetched

        request_finished.connect(forget_prefetched, dispatch_uid="session-user-prefetch")

        # The signed-in user is cached with its department and regions (org.auth).
        for model in (User, Department, Region):
            for signal in (post_save, post_delete):
                signal.connect(user_cache_invalidate, sender=model,
                               dispatch_uid=f"user-cache-{model.__name__}-{signal}")
        # ... and with the models it holds object grants on (org.auth._grant_flags): a
        # grant given or taken, or a group joined or left, takes effect on the next request.
        from org.auth import grantable_models

        for _model, grant_tables in grantable_models():
            for table in grant_tables:
                for signal in (post_save, post_delete):
                    signal.connect(user_cache_invalidate, sender=table,
                                   dispatch_uid=f"user-cache-{table._meta.label}-{signal}")
        m2m_changed.connect(user_cache_invalidate, sender=User.groups.through,
                            dispatch_uid="user-cache-groups")
