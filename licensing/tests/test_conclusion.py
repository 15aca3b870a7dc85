"""issue 14 C3: the conclusion page shows the evidence, starts with no decision chosen and
asks for confirmation of the irreversible decision; a rejection leaves the institution
not approved rather than applying."""

import pytest

from core.vocab import DepartmentType as D
from institutions.models import Institution, InstitutionStatus
from institutions.tests.helpers import _finish_cosign, _to_conclusion, login, register, staff_of
from licensing.models import LicensingApplication, Stage
from org.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(world):
    inst = register(world)
    app = _to_conclusion(world, inst)
    _finish_cosign(world, app)
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=world.a.depts[D.CULTURE_TOURISM])
    return app, head


def test_the_page_shows_the_evidence_and_no_decision_is_chosen(world, ready):
    app, head = ready
    page = login(head).get(f"/office/licensing/{app.pk}/conclude/").content.decode()
    for part in ("evidence-cosign", "evidence-onsite", "evidence-staff", "evidence-steps"):
        assert f'id="{part}"' in page
    assert "会签" in page  # the co-signer's note
    assert "符合" in page  # the on-site note
    assert 'name="approve"' in page and " checked" not in page.split('id="conclusion-decision"')[1]
    assert 'name="confirm"' in page
    assert "<script>" not in page and "onclick" not in page


def test_without_confirmation_or_decision_nothing_is_recorded(world, ready):
    app, head = ready
    client = login(head)
    url = f"/office/licensing/{app.pk}/conclude/"
    response = client.post(url, {"approve": "yes", "reason": "同意"})
    assert response.status_code == 400
    assert "不可撤销" in response.content.decode() or "cannot be undone" in \
        response.content.decode()
    response = client.post(url, {"reason": "同意", "confirm": "on"})
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.stage == Stage.CONCLUSION and app.concluded_by is None


def test_a_confirmed_rejection_ends_the_application_and_applying(world, ready):
    app, head = ready
    staff = staff_of(world, app.institution)
    response = login(head).post(f"/office/licensing/{app.pk}/conclude/", {
        "approve": "no", "reason": "消防通道被占用", "confirm": "on"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.REJECTED
    inst = Institution.objects.get(pk=app.institution_id)
    assert inst.status == InstitutionStatus.NOT_APPROVED
    page = login(staff).get(f"/office/institutions/{inst.uscc}/").content.decode()
    assert "申请中" not in page and "未获批准" in page


def test_only_the_approving_head_concludes_and_others_see_no_evidence_page(world, ready):
    app, _head = ready
    officer = world.a.users["culture"]
    response = login(officer).post(f"/office/licensing/{app.pk}/conclude/", {
        "approve": "yes", "reason": "同意", "confirm": "on"})
    assert response.status_code == 400
    assert LicensingApplication.objects.get(pk=app.pk).stage == Stage.CONCLUSION
    other_head = UserFactory(role=Role.DEPARTMENT_HEAD,
                             department=world.b.depts[D.CULTURE_TOURISM])
    assert login(other_head).get(f"/office/licensing/{app.pk}/conclude/").status_code == 404
    outsider = staff_of(world, register(world, n=2))
    assert login(outsider).get(f"/office/licensing/{app.pk}/conclude/").status_code == 404
