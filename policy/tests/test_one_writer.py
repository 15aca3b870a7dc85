"""One writer (issue 8 §5): the profile files are the only writer of the profile tables.
`load_profiles` at every start changes nothing unless a file's merged content changed, and
then writes one PolicyChange; the admin shows the profile read-only; a value that does not
parse makes no page answer 500."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core.vocab import Category
from institutions.tests.helpers import register
from policy.loader import load_profile
from policy.models import CalendarDay, MatrixCell, PolicyChange, PolicyProfile, RuleParameter
from policy.profile import ProfileInvalid, active_profile, invalidate_profile_cache
from policy.tests.test_step_roles import kunming_with

pytestmark = pytest.mark.django_db


def rows(code="kunming"):
    return sorted(RuleParameter.objects.filter(profile__code=code).values_list("pk", "value"))


def test_a_restart_changes_nothing_and_writes_nothing():
    """docker-compose runs load_profiles at every web start."""
    before, changes = rows(), PolicyChange.objects.count()
    cells = sorted(MatrixCell.objects.filter(profile__code="kunming").values_list("pk"))
    call_command("load_profiles", verbosity=0)
    assert rows() == before  # same rows, not deleted and recreated
    assert sorted(MatrixCell.objects.filter(profile__code="kunming").values_list("pk")) == cells
    assert PolicyChange.objects.count() == changes


def test_a_changed_file_is_loaded_once_with_one_audit_event():
    old = PolicyProfile.objects.get(code="kunming").file_sha256

    def later_end(data):
        data.setdefault("rules", []).append(
            {"key": "offline_end_time", "value": "20:00", "source": "002 §2(4)"})

    change = load_profile("kunming", text=kunming_with(later_end))
    assert change is not None
    assert (change.profile_code, change.actor, change.old_hash) == ("kunming", "loader", old)
    assert change.new_hash == PolicyProfile.objects.get(code="kunming").file_sha256 != old
    assert change.summary == {"rules": {"changed": {"offline_end_time": ["20:30:00", "20:00:00"]}}}
    assert str(active_profile().rule("offline_end_time")) == "20:00:00"
    assert load_profile("kunming", text=kunming_with(later_end)) is None  # unchanged now
    assert PolicyChange.objects.filter(profile_code="kunming", new_hash=change.new_hash
                                       ).count() == 1
    # and the file, when it is loaded again, is the writer again
    back = load_profile("kunming")
    assert back.summary == {"rules": {"changed": {"offline_end_time": ["20:00:00", "20:30:00"]}}}


def test_force_rewrites_an_unchanged_profile():
    change = load_profile("kunming", force=True)
    assert change is not None and change.old_hash == change.new_hash
    assert change.summary == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger on PostgreSQL only")
def test_the_change_trail_is_append_only():
    change = PolicyChange.objects.filter(profile_code="kunming").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        PolicyChange.objects.filter(pk=change.pk).update(actor="someone")
    with pytest.raises(DatabaseError), transaction.atomic():
        PolicyChange.objects.filter(pk=change.pk).delete()


@pytest.mark.parametrize("model", ["policyprofile", "matrixcell", "complaintroute",
                                   "policychange"])
def test_the_admin_shows_the_profile_read_only(admin_client, model):
    listing = admin_client.get(f"/admin/policy/{model}/")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/policy/{model}/add/").status_code == 403
    obj = {"policyprofile": PolicyProfile, "matrixcell": MatrixCell,
           "policychange": PolicyChange}.get(model)
    if obj is not None:
        pk = obj.objects.first().pk
        page = admin_client.get(f"/admin/policy/{model}/{pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert admin_client.post(f"/admin/policy/{model}/{pk}/change/", {}).status_code == 403
        assert admin_client.post(f"/admin/policy/{model}/{pk}/delete/",
                                 {"post": "yes"}).status_code == 403


def test_the_calendar_stays_editable(admin_client):
    """The working-day calendar is not part of a profile."""
    day = CalendarDay.objects.order_by("date").first()
    page = admin_client.get(f"/admin/policy/calendarday/{day.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()


def test_an_invalid_stored_value_answers_no_page_with_500(client, world):
    """Before the schema, offline_end_time "25:99" loaded and made every department page
    answer 500 (issue 8 §5). A value written past the loader is now a ProfileInvalid: the
    scope gateway copes with it as with a missing profile, and a page that asks the
    profile directly answers 503 with the message (policy.middleware)."""
    inst = register(world, "a", 1, category=Category.SPORTS)
    RuleParameter.objects.filter(profile__code="kunming", key="offline_end_time").update(
        value="25:99")
    invalidate_profile_cache()  # update() sends no signal; a restart would drop it too
    with pytest.raises(ProfileInvalid):
        active_profile()
    client.force_login(world.a.users["officer"])
    for url in ("/office/", "/office/institutions/", f"/office/institutions/{inst.uscc}/",
                "/office/policy/", "/office/tasks/mine/", "/office/tasks/department/",
                "/office/cases/", f"/duties/{world.a.region.code}/"):
        response = client.get(url)
        assert response.status_code in (200, 503), url
    detail = client.get(f"/office/institutions/{inst.uscc}/")  # asks the profile directly
    assert detail.status_code == 503 and "offline_end_time" in detail.content.decode()
