"""Findings handed to the competent department, and the penalty decision (DOMAIN.md §6,
§8; 000 §4(2); 003 §5(1))."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType
from inspections import services
from inspections.models import Penalty, ViolationType
from inspections.tests.helpers import make_daily
from institutions.models import InstitutionStatus
from institutions.tests.helpers import licensed_with_gate
from tests.factories import UserFactory, World
from tests.samplefiles import pdf

pytestmark = pytest.mark.django_db


def violation(code: str) -> ViolationType:
    return ViolationType.objects.get(code=code)


def document() -> SimpleUploadedFile:
    return SimpleUploadedFile("决定书.pdf", pdf())


@pytest.mark.parametrize(("code", "department"), [
    ("irregular_charging", DepartmentType.MARKET_REGULATION),  # 002 §2(4)
    ("advertising", DepartmentType.MARKET_REGULATION),
    ("security", DepartmentType.PUBLIC_SECURITY),
    ("disguised_academic", DepartmentType.EDUCATION_SPORTS),  # 003 §5(1)
])
def test_findings_go_to_the_competent_department(world: World, code, department):
    inst = licensed_with_gate(world)
    case = services.enforcement_open(actor=world.a.users["officer"], violation=violation(code),
                                     region=inst.region, institution=inst, findings="现场发现")
    assert case.department.type == department
    assert case.case.tasks.get().department.type == department
    assert case.case.number.startswith("ZF-")


def test_taxonomy_is_data_with_sources():
    assert ViolationType.objects.count() >= 15
    assert not ViolationType.objects.filter(source="").exists()


def test_an_individual_can_be_the_subject(world: World):
    """003 §5(1): individuals, not only institutions, are case subjects."""
    with pytest.raises(DomainError):
        services.enforcement_open(actor=world.a.users["officer"],
                                  violation=violation("offsite_training"),
                                  region=world.a.town, findings="住宅内一对多培训")
    case = services.enforcement_open(actor=world.a.users["officer"],
                                     violation=violation("offsite_training"),
                                     region=world.a.town, subject_name="王某",
                                     findings="住宅内一对多培训", mode="joint")
    assert case.institution is None and case.subject_label == "王某"


def test_fine_needs_its_amount_and_the_head_of_the_competent_department(world: World):
    inst = licensed_with_gate(world)
    case = services.enforcement_open(actor=world.a.users["officer"],
                                     violation=violation("hours"), region=inst.region,
                                     institution=inst, findings="21:00后仍在培训",
                                     daily=make_daily(world, institution=inst))
    head = world.a.users["head"]
    with pytest.raises(PermissionDenied):
        services.penalty_decide(actor=world.a.users["officer"], enforcement=case,
                                penalty=Penalty.WARNING, legal_basis="规定",
                                document=document())
    with pytest.raises(DomainError):
        services.penalty_decide(actor=head, enforcement=case, penalty=Penalty.FINE,
                                legal_basis="规定", document=document())
    decided = services.penalty_decide(actor=head, enforcement=case, penalty=Penalty.FINE,
                                      fine_amount=Decimal("5000"), legal_basis="《规定》第X条",
                                      document=document())
    assert decided.fine_amount == Decimal("5000.00") and decided.decision_document is not None
    decided.case.refresh_from_db()
    assert decided.case.state == "closed"
    with pytest.raises(InvalidState):
        services.penalty_decide(actor=head, enforcement=case, penalty=Penalty.WARNING,
                                legal_basis="规定", document=document())


def test_suspension_suspends_the_licence_through_the_case(world: World):
    inst = licensed_with_gate(world)
    market_head = UserFactory(username="a_market_head", role="department_head",
                              department=world.a.depts[DepartmentType.MARKET_REGULATION])
    case = services.enforcement_open(actor=world.a.users["market"],
                                     violation=violation("irregular_charging"),
                                     region=inst.region, institution=inst,
                                     findings="一次性收取6个月费用")
    services.penalty_decide(actor=market_head, enforcement=case, penalty=Penalty.SUSPENSION,
                            legal_basis="《规定》", document=document())
    inst.refresh_from_db()
    assert inst.status == InstitutionStatus.SUSPENDED
