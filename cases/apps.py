from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases and tasks")

    def ready(self) -> None:
        from cases import abilities
        from cases.models import Case
        from org.feed import track
        from policy.deadlines import declare

        abilities.load()
        track(Case, kind="case", key_field="number")
        # A person who leaves a department leaves its unfinished tasks to it, however the
        # move is made (the admin, an import, the shell): services.release_tasks_of_departed.
        from django.db.models.signals import post_save

        from org.models import User

        def departed(sender: type[User], instance: User, created: bool = False,
                     raw: bool = False, update_fields: frozenset[str] | None = None,
                     **_kwargs: object) -> None:
            # A new user holds no task yet: nothing to release, no query.
            if raw or created or (update_fields is not None
                                  and "department" not in update_fields
                                  and "department_id" not in update_fields):
                return
            from cases.services import release_tasks_of_departed

            release_tasks_of_departed(instance)

        post_save.connect(departed, sender=User, weak=False, dispatch_uid="cases-departed")
        # Read by cases.services: task_assign's default, the reminder and the escalation of
        # the deadline scan.
        declare("task_default", "reminder_days_before", "escalation_level2_after",
                owner="cases")
