from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from cases import kinds
        from institutions import abilities
        from institutions import kinds as institution_kinds
        from institutions.models import Institution
        from org.feed import track

        abilities.load()
        track(Institution, kind="institution", key_field="uscc")
        kinds.register(institution_kinds.SUPERVISION)
        kinds.register_audit_labels(institution_kinds.AUDIT_LABELS)
