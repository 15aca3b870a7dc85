"""`manage.py load_demo` (issue 3 §8, issue 4): every role, cases and tasks in every state
(overdue ones included), institutions in every status and applications at every stage;
running it twice changes nothing."""

import pytest
from django.core.management import call_command

from cases.models import AuditEvent, Case, CaseState, Task, TaskStatus
from funds.models import Arrangement, Order, OrderOrigin
from institutions.models import Institution, InstitutionStatus, ListStatus, StaffCheck
from licensing.models import ApplicationAction, LicensingApplication, Stage
from org.models import Role, User

pytestmark = pytest.mark.django_db


def counts():
    return (User.objects.count(), Case.objects.count(), Task.objects.count(),
            Institution.objects.count(), LicensingApplication.objects.count(),
            AuditEvent.objects.count(), Order.objects.count(), StaffCheck.objects.count())


def test_demo_covers_every_role_state_and_stage_and_is_idempotent():
    call_command("load_demo", verbosity=0)
    first = counts()
    call_command("load_demo", verbosity=0)
    assert counts() == first
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Case.objects.values_list("state", flat=True)) == set(CaseState.values)
    assert set(Task.objects.values_list("status", flat=True)) == set(TaskStatus.values)
    assert Task.objects.filter(escalation_level=2).exists()
    assert Task.objects.filter(overdue_since__isnull=False).exists()
    assert set(Institution.objects.values_list("status", flat=True)) == \
        set(InstitutionStatus.values)
    stages = set(LicensingApplication.objects.values_list("stage", flat=True))
    assert stages >= {Stage.ACCEPTANCE, Stage.REVIEW, Stage.ONSITE, Stage.VERIFICATION,
                      Stage.CONCLUSION, Stage.REGISTRATION, Stage.FILING, Stage.LICENCE,
                      Stage.COMPLETED}
    assert LicensingApplication.objects.filter(action=ApplicationAction.RELICENSE,
                                               stage=Stage.COMPLETED).exists()
    change = LicensingApplication.objects.filter(action=ApplicationAction.CHANGE).first()
    assert change is not None and change.change_details["courses"]
    assert Order.objects.filter(origin=OrderOrigin.SALE).exists() and StaffCheck.objects.exists()
    # Issue 11: every white-listed institution meets the gate through its arrangement.
    white = Institution.objects.filter(list_status=ListStatus.WHITE)
    assert white.exists()
    assert not white.exclude(pk__in=Arrangement.objects.values("institution_id")).exists()
