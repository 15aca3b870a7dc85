"""DESIGN.md "Case kinds": a kind registered by its app, with no change and no migration
in `cases/`, runs end to end through the engine: its number prefix, its steps, its
handlers in the engine's transactions, its panel and its labels."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.test import Client

from cases import kinds, services
from cases.filters import CaseFilter
from cases.forms import CaseOpenForm
from cases.models import AuditEvent, Task, TaskStatus
from core.errors import DomainError, InvalidState
from org.models import Role
from org.scope import Action
from tests.factories import World, make_case, make_task

pytestmark = pytest.mark.django_db


class Recorder:
    def __init__(self) -> None:
        self.heard: list[tuple[str, int]] = []

    def task_done(self, *, task, actor):
        self.heard.append(("done", task.pk))
        if task.duty == "失败":
            raise RuntimeError("the next stage could not open")

    def task_returned(self, *, task, actor):
        self.heard.append(("returned", task.pk))

    def closed(self, *, case, actor):
        self.heard.append(("closed", case.pk))

    def cancelled(self, *, case, actor):
        self.heard.append(("cancelled", case.pk))

    def reopen(self, *, case):
        return "整改已销号，不得重开"

    def panel(self, *, request, case):
        from django.template import Template

        return Template('<p id="drill-panel">{{ panel.word }}</p>'), {"word": case.number}


def staff_see_their_own(scope, action, prefix):
    if scope.role == Role.INSTITUTION_STAFF and action == Action.VIEW:
        return Q(**{f"{prefix}title__startswith": "公开"})
    return None


@pytest.fixture
def drill():
    recorder = Recorder()
    spec = kinds.register(kinds.CaseKindSpec(
        code="drill", prefix="YL", label="演练事项", openable=True,
        steps={"patrol_drill": "演练巡查"}, decision_steps=frozenset({"verdict"}),
        audit_labels={"drill.custom": "演练自定义事件"}, visible_to=staff_see_their_own,
        on_task_done=recorder.task_done, on_task_returned=recorder.task_returned,
        on_case_closed=recorder.closed, on_case_cancelled=recorder.cancelled,
        reopen_refusal=recorder.reopen, panel=recorder.panel))
    yield spec, recorder
    kinds.unregister("drill")


def test_a_registered_kind_runs_end_to_end_without_touching_cases(world: World, drill):
    spec, recorder = drill
    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    case = make_case(world.a, kind="drill", title="公开演练")
    assert case.number.startswith(f"YL-{world.a.region.code}-") and case.kind_label == "演练事项"

    task = services.task_assign(actor=admin, case=case, department=officer.department,
                                role="lead", duty="巡查", step="patrol_drill", workdays=3)
    assert kinds.step_label(case.kind, task.step) == "演练巡查"
    with pytest.raises(DomainError) as exc:
        services.task_assign(actor=admin, case=case, department=officer.department,
                             role="lead", duty="巡查", step="licence_issue", workdays=3)
    assert exc.value.field == "step"

    services.task_complete(actor=officer, task=task, note="已巡查")
    returned = make_task(world.a, case)
    services.task_return(actor=officer, task=returned, reason="非本部门")
    services.task_reassign(actor=admin, task=returned, department=officer.department)
    services.task_complete(actor=officer, task=returned, note="办结")
    services.case_close(actor=admin, case=case, reason="办结")
    assert recorder.heard == [("done", task.pk), ("returned", returned.pk),
                              ("done", returned.pk), ("closed", case.pk)]
    with pytest.raises(InvalidState, match="不得重开"):
        services.case_reopen(actor=admin, case=case, reason="重开")

    other = make_case(world.a, kind="drill")
    services.case_cancel(actor=admin, case=other, reason="撤销")
    assert recorder.heard[-1] == ("cancelled", other.pk)


def test_a_failing_handler_rolls_the_completion_back(world: World, drill):
    case = make_case(world.a, kind="drill")
    task = make_task(world.a, case)
    Task.objects.filter(pk=task.pk).update(duty="失败")
    task.refresh_from_db()
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        services.task_complete(actor=world.a.users["officer"], task=task, note="办结")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and AuditEvent.objects.count() == before


def test_the_kind_shows_in_forms_filters_pages_and_the_timeline(world: World, drill):
    admin = world.a.users["county_admin"]
    assert ("drill", "演练事项") in CaseOpenForm(user=admin).fields["kind"].choices
    assert ("drill", "演练事项") in list(CaseFilter().filters["kind"].extra["choices"])
    from cases.serializers import CaseSerializer, TaskSerializer

    assert "drill" in CaseSerializer().fields["kind"].choices  # the API schema's enum
    assert "patrol_drill" in TaskSerializer().fields["step"].choices
    case = make_case(world.a, kind="drill")
    AuditEvent.objects.create(actor=admin, action="drill.custom", case=case)
    client = Client()
    client.force_login(admin)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "演练事项" in page and "演练自定义事件" in page
    assert f'<p id="drill-panel">{case.number}</p>' in page  # the kind's panel
    listing = client.get("/office/cases/", {"kind": "drill"}).content.decode()
    assert case.number in listing
    assert 'href="/office/cases/?kind=drill"' in listing  # the navigation lists the kind


def test_who_outside_the_matrix_sees_a_kind_is_the_kind_s_rule(world: World, drill):
    staff = world.a.users["institution"]
    public = make_case(world.a, kind="drill", title="公开演练")
    hidden = make_case(world.a, kind="drill", title="内部演练")
    supervision = make_case(world.a, title="公开巡查")  # another kind: not opened to staff
    from cases.models import Case

    visible = set(Case.objects.restrict(staff).values_list("pk", flat=True))
    assert public.pk in visible
    assert hidden.pk not in visible and supervision.pk not in visible


def test_unknown_kinds_and_taken_prefixes_are_refused(world: World, drill):
    with pytest.raises(DomainError):
        make_case(world.a, kind="nonexistent")
    with pytest.raises(ValueError):
        kinds.register(kinds.CaseKindSpec(code="other", prefix="YL", label="x"))
    with pytest.raises(ValueError):
        kinds.register(kinds.CaseKindSpec(code="drill", prefix="Y2", label="x"))
