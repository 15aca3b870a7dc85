"""The signed-in user, cached between requests with its department and regions
(`org.auth.PortalModelBackend`, issue 13: the fixed cost of every API call). A change to
the user, its department or a region takes effect on the very next request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from org.models import Region
from tests.budget import captured_queries
from tests.factories import World, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def user_cache(settings):  # type: ignore[no-untyped-def]
    """On, as it is wherever Redis is (the test settings turn it off for the query-count
    tests)."""
    settings.AUTH_USER_CACHE = True

CASES = "/api/v1/cases/"


def _numbers(client: Client) -> set[str]:
    response = client.get(CASES)
    assert response.status_code == 200, response.content[:300]
    return {row["number"] for row in response.json()["results"]}


def _tables(sql: list[str]) -> str:
    return "\n".join(sql)


def test_the_user_and_its_scope_are_read_once_then_from_the_cache(world: World) -> None:
    """The first request reads the user with its department and regions in one query;
    the next ones read none of them, nor the session (cached in Redis: the test settings,
    as production): a list call is the list itself."""
    client = Client()
    client.force_login(world.a.users["officer"])
    with captured_queries() as cold:
        client.get(CASES)
    with captured_queries() as warm:
        assert client.get(CASES).status_code == 200
    cold_sql = [q["sql"] for q in cold.captured_queries]
    warm_sql = [q["sql"] for q in warm.captured_queries]
    user_reads = [s for s in cold_sql if 'FROM "org_user"' in s]
    assert len(user_reads) == 1 and '"org_department"' in user_reads[0], user_reads
    assert not any('FROM "org_user"' in s or 'FROM "org_region"' in s
                   or 'FROM "org_department"' in s for s in warm_sql), _tables(warm_sql)
    assert len(warm_sql) == 1, _tables(warm_sql)  # the page of cases


def _cache_commands(client: Client, url: str) -> list[str]:
    """The Redis commands one request sends (their names)."""
    import redis.client

    sent: list[str] = []
    execute = redis.client.Redis.execute_command

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        sent.append(str(args[0]))
        return execute(self, *args, **kwargs)

    with mock.patch.object(redis.client.Redis, "execute_command", spy):
        assert client.get(url).status_code == 200
    return sent


def test_the_session_and_its_user_are_one_cache_round_trip(world: World) -> None:
    """Issue 13: the session store (`org.sessions`) reads the session, the user cache's
    generation and the session's cached user with one MGET; an API list call then sends
    one more command, its throttle's, and reads the list: no other round trip."""
    client = Client()
    client.force_login(world.a.users["officer"])
    client.get(CASES)
    assert _cache_commands(client, CASES) == ["MGET", "EVALSHA"]
    with captured_queries() as warm:
        client.get(CASES)
    assert len(warm.captured_queries) == 1


def test_a_user_cached_with_one_session_is_fresh_in_another(world: World) -> None:
    """Each session caches its user; a change made while one session holds it is seen by
    both on their next request (the generation)."""
    user = world.a.users["county_admin"]
    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    assert first.get(CASES).status_code == 200 and second.get(CASES).status_code == 200
    assert first.get(CASES).status_code == 200
    user.is_active = False
    user.save()
    assert first.get(CASES).status_code in (401, 403)
    assert second.get(CASES).status_code in (401, 403)


def test_a_deactivated_user_is_refused_on_the_next_request(world: World) -> None:
    user = world.a.users["county_admin"]
    client = Client()
    client.force_login(user)
    assert client.get(CASES).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(CASES).status_code in (401, 403)


def test_a_changed_password_ends_the_session_on_the_next_request(world: World) -> None:
    user = world.a.users["county_admin"]
    client = Client()
    client.force_login(user)
    assert client.get(CASES).status_code == 200
    user.set_password("another-Password-2026")
    user.save()
    assert client.get(CASES).status_code in (401, 403)


def test_a_user_moved_to_another_county_sees_that_county_next(world: World) -> None:
    case_a, case_b = make_case(world.a), make_case(world.b)
    user = world.a.users["county_admin"]
    client = Client()
    client.force_login(user)
    assert case_a.number in _numbers(client) and case_b.number not in _numbers(client)
    user.region = world.b.region
    user.save()
    numbers = _numbers(client)
    assert case_b.number in numbers and case_a.number not in numbers


def test_a_department_moved_to_another_county_moves_its_officers_scope(world: World) -> None:
    """The scope of a department's officer is its department's region: moving the
    department (not the user) must reach the cached user too."""
    case_a = make_case(world.a)
    officer = world.a.users["officer"]
    client = Client()
    client.force_login(officer)
    assert case_a.number in _numbers(client)
    county_c = Region.objects.create(code="539998", name="丙区", level=world.a.region.level,
                                     parent=world.city)
    department = officer.department
    department.region = county_c
    department.save()
    assert case_a.number not in _numbers(client)


def test_saving_a_region_drops_every_cached_user(world: World) -> None:
    """A region's path is part of the scope, and re-rooting a region rewrites the paths
    below it by one UPDATE: any region saved makes the next request read the user (with
    its regions) again."""
    client = Client()
    client.force_login(world.a.users["county_admin"])
    client.get(CASES)
    with captured_queries() as warm:
        client.get(CASES)
    assert not any('FROM "org_user"' in q["sql"] for q in warm.captured_queries)
    other_city = Region.objects.create(code="539900", name="别市", level=world.city.level,
                                       parent=world.city.parent)
    county = world.a.region
    county.parent = other_city
    county.save()
    with captured_queries() as after:
        assert client.get(CASES).status_code == 200
    user_reads = [q["sql"] for q in after.captured_queries if 'FROM "org_user"' in q["sql"]]
    assert len(user_reads) == 1 and f"{other_city.code}/" not in user_reads[0]


def test_a_sign_in_elsewhere_keeps_the_cached_users(world: World) -> None:
    """Only `last_login` changes when someone signs in: no one else's entry is dropped."""
    from django.core.cache import cache

    from org.auth import USER_CACHE_GENERATION

    client = Client()
    client.force_login(world.a.users["officer"])
    client.get(CASES)
    generation = cache.get(USER_CACHE_GENERATION)
    other = Client()
    other.force_login(world.a.users["county_admin"])  # saves last_login
    assert cache.get(USER_CACHE_GENERATION) == generation
    with captured_queries() as warm:
        assert client.get(CASES).status_code == 200
    assert not any('FROM "org_user"' in q["sql"] for q in warm.captured_queries)


def test_a_user_without_grants_reads_no_grant_subquery_and_one_given_shows_next(
        world: World) -> None:
    """The grant subqueries are left out for a user who holds none on cases (under the
    OR they kept an officer's case list from its county's index: 1.3 s at 2M cases); a
    grant given, a group joined with a grant, a grant taken each take effect on the next
    request (issue 13)."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm, remove_perm

    case_a, case_b = make_case(world.a), make_case(world.b)
    officer = world.a.users["officer"]
    client = Client()
    client.force_login(officer)
    with captured_queries() as plain:
        assert case_b.number not in _numbers(client)
    lists = [q["sql"] for q in plain.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert lists and not any("objectpermission" in sql for sql in lists), lists

    assign_perm("view_case", officer, case_b)
    with captured_queries() as granted:
        assert case_b.number in _numbers(client)
    lists = [q["sql"] for q in granted.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert any("caseuserobjectpermission" in sql for sql in lists), lists

    remove_perm("view_case", officer, case_b)
    assert case_b.number not in _numbers(client)

    group = Group.objects.create(name="跨区联合检查组")
    assign_perm("view_case", group, case_b)
    assert case_b.number not in _numbers(client)  # not a member yet
    officer.groups.add(group)
    assert case_b.number in _numbers(client)
    officer.groups.remove(group)
    numbers = _numbers(client)
    assert case_b.number not in numbers and case_a.number in numbers
