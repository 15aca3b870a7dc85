"""The follow_profile_supervisors command (issue 8 §5; 001 §3(2)): after a switch from
Kunming to Beichen, existing sports institutions move to the culture-tourism (sports)
bureau too, through a command that reports and audits it."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from cases.models import AuditEvent
from core.vocab import Category, DepartmentType
from institutions.models import Institution
from institutions.tests.helpers import register

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("follow_profile_supervisors", *args, stdout=out)
    return out.getvalue()


def test_switching_to_beichen_moves_existing_sports_institutions(world):
    sports = register(world, "a", 1, category=Category.SPORTS)
    arts = register(world, "a", 2, category=Category.ARTS)
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    culture = world.a.depts[DepartmentType.CULTURE_TOURISM]
    assert sports.supervising_department == edu  # Kunming (000 §3)
    assert run() == "moved 0 institution(s); 0 could not move\n"  # nothing to follow yet

    with override_settings(POLICY_PROFILE="beichen"):
        report = run("--dry-run")
        assert f"甲区 {sports.get_category_display()}: 1 {edu} -> {culture}" in report
        assert "would move 1 institution(s)" in report
        assert Institution.objects.get(pk=sports.pk).supervising_department == edu
        assert not AuditEvent.objects.filter(action="institution.supervisor").exists()

        report = run()
        assert "moved 1 institution(s); 0 could not move" in report
        assert Institution.objects.get(pk=sports.pk).supervising_department == culture
        assert Institution.objects.get(pk=arts.pk).supervising_department == culture  # as before
        event = AuditEvent.objects.get(action="institution.supervisor")
        assert (event.object_id, event.actor_label) == (str(sports.pk),
                                                        "follow_profile_supervisors")
        assert event.before == {"supervising_department": edu.pk, "department": str(edu)}
        assert event.after == {"supervising_department": culture.pk,
                               "department": str(culture)}
        assert "beichen" in event.reason

        assert "moved 0 institution(s)" in run()  # a second run moves nothing
        assert AuditEvent.objects.filter(action="institution.supervisor").count() == 1
