"""The generic URL test case (issue 8 §6), after NetBox's `ViewTestCases` and
`APIViewTestCases` (netbox/utilities/testing/views.py and api.py).

A model declares its list and detail URLs once, in a subclass named `Test<Model>URLs`
in its app's `tests/test_urls.py`, and gets, for the HTML pages and the API alike:

- the lists: every role of county A gets 200 if it may see county A's object, and sees
  that object in the list exactly then; no role ever sees county B's object;
- the permission matrix of the detail URLs (tests/permmatrix.py): county A's object
  answers `detail_ok` to the roles that may see it and 403/404 to the others; county B's
  object answers 404 to everyone;
- anonymous callers: the pages send them to the login page, the API refuses them;
- the query budget of each list (tests/budget.py): the same number of queries at
  `budget_small` and at `budget_large` rows, within the declared budget.

Declarations::

    class TestCaseURLs(URLTests):
        html_list = "/office/cases/"
        api_list = "/api/v1/cases/"
        viewers = {"officer", "county_admin", ...}
        html_budget, api_budget = 9, 7
        budget_role = "county_admin"

        def build(self, world, key): return make_case(world.county(key))
        def html_detail(self, obj): return f"/office/cases/{obj.number}/"
        def api_detail(self, obj): return f"/api/v1/cases/{obj.number}/"
        def api_key(self, obj): return ("number", obj.number)
        def grow(self, world, start, stop): grow_cases(world, start, stop)

Only what is declared is tested: a model without an HTML list gets no HTML list test.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.test import Client

from tests.factories import COUNTY_ROLES, World
from tests.permmatrix import Endpoint, assert_matrix

SURFACES = ("html", "api")


class URLTests:
    """Subclass as `Test<Model>URLs`; see the module docstring for what to declare."""

    # -- declarations ----------------------------------------------------------------------
    html_list: ClassVar[str | None] = None
    api_list: ClassVar[str | None] = None
    #: County-A roles that may see county A's object (in its lists and its detail).
    viewers: ClassVar[set[str]] = set()
    #: What the detail URLs answer to a viewer (a notification opens by redirecting).
    detail_ok: ClassVar[tuple[int, ...]] = (200,)
    #: False for public facts (regions, departments): every role sees both counties.
    other_county_hidden: ClassVar[bool] = True
    #: Query budgets of the lists; None leaves a list unmeasured.
    html_budget: ClassVar[int | None] = None
    api_budget: ClassVar[int | None] = None
    #: The county-A role whose lists are measured.
    budget_role: ClassVar[str] = "county_admin"
    #: The measured URLs (default: the lists; the API asked for every row on one page).
    html_budget_url: ClassVar[str | None] = None
    api_budget_url: ClassVar[str | None] = None
    budget_small: ClassVar[int] = 10
    budget_large: ClassVar[int] = 200
    #: Rows the measured list shows before growing (the test world's own).
    budget_base: ClassVar[int] = 0

    def build(self, world: World, key: str) -> Any:
        """One object of county `key` ("a" or "b"), made through the services."""
        raise NotImplementedError

    def html_detail(self, obj: Any) -> str:
        raise NotImplementedError

    def api_detail(self, obj: Any) -> str:
        raise NotImplementedError

    def html_marker(self, obj: Any) -> str:
        """Text that the HTML list shows exactly when it lists `obj`: by default the link
        to its detail page."""
        assert self._declares("html_detail"), "declare html_detail or html_marker"
        return f'href="{self.html_detail(obj)}"'

    def api_key(self, obj: Any) -> tuple[str, Any]:
        """The field of an API row that identifies `obj`, and its value."""
        return ("id", obj.pk)

    def grow(self, world: World, start: int, stop: int) -> None:
        """Add the rows start..stop-1 that the measured role sees in the lists."""
        raise NotImplementedError

    # -- the generated tests ---------------------------------------------------------------

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "surface" in metafunc.fixturenames:
            declared = [s for s in SURFACES if getattr(self, f"{s}_list")]
            metafunc.parametrize("surface", declared)
        if "details" in metafunc.fixturenames:
            details = tuple(s for s in SURFACES if self._declares(f"{s}_detail"))
            metafunc.parametrize("details", [details] if details else [], ids="+".join)
        if "budget_surface" in metafunc.fixturenames:
            budgeted = [s for s in SURFACES if getattr(self, f"{s}_budget") is not None]
            metafunc.parametrize("budget_surface", budgeted)

    def _listed(self, surface: str, response: Any, obj: Any) -> bool:
        if surface == "html":
            return self.html_marker(obj) in response.content.decode()
        field, value = self.api_key(obj)
        return any(row[field] == value for row in response.json()["results"])

    def test_list_shows_the_own_county_to_viewers_and_never_the_other(
            self, world: World, surface: str) -> None:
        """DESIGN.md "Scope": lists read through `restrict()`; a role lists county A's
        object exactly when it may see it, and no role lists county B's."""
        own, other = self.build(world, "a"), self.build(world, "b")
        url = getattr(self, f"{surface}_list")
        failures = []
        for role in COUNTY_ROLES:
            client = Client()
            client.force_login(world.a.users[role])
            response = client.get(url)
            if role in self.viewers:
                if response.status_code != 200:
                    failures.append(f"{role}: {response.status_code}, expected 200")
                    continue
                if not self._listed(surface, response, own):
                    failures.append(f"{role}: own county's object not listed")
            elif response.status_code == 200 and self._listed(surface, response, own):
                failures.append(f"{role}: sees the own county's object but is no viewer")
            elif response.status_code not in (200, 403, 404):
                failures.append(f"{role}: {response.status_code}, expected 200, 403 or 404")
            if response.status_code == 200 and \
                    self._listed(surface, response, other) == self.other_county_hidden:
                failures.append(f"{role}: other county's object "
                                + ("listed" if self.other_county_hidden else "not listed"))
        assert not failures, f"{url}:\n" + "\n".join(failures)

    def test_detail_matrix(self, world: World, details: tuple[str, ...]) -> None:
        """Issue 3 "Done when": cross-county 404 for every role through every URL and
        endpoint; missing and forbidden answer alike."""
        endpoints = []
        for surface in details:
            url = getattr(self, f"{surface}_detail")
            endpoints.append(Endpoint(
                f"{surface} detail", lambda o, url=url: url(o["obj"]), self.viewers,
                api=surface == "api", ok=self.detail_ok,
                other=(404,) if self.other_county_hidden else self.detail_ok))
        assert_matrix(world, endpoints, lambda w, key: {"obj": self.build(w, key)})

    def test_anonymous_is_sent_to_login_or_refused(self, world: World) -> None:
        """Pages send anonymous visitors to the login page; the API answers 401 or 403."""
        obj = self.build(world, "a")
        urls = [(s, getattr(self, f"{s}_list")) for s in SURFACES if getattr(self, f"{s}_list")]
        urls += [(s, getattr(self, f"{s}_detail")(obj)) for s in SURFACES
                 if self._declares(f"{s}_detail")]
        failures = []
        for surface, url in urls:
            response = Client().get(url)
            if surface == "html":
                if response.status_code != 302 or \
                        not response["Location"].startswith("/accounts/login/"):
                    failures.append(f"{url}: {response.status_code}, expected the login page")
            elif response.status_code not in (401, 403):
                failures.append(f"{url}: {response.status_code}, expected 401 or 403")
        assert not failures, "\n".join(failures)

    def test_list_query_count_is_constant(self, world: World, budget_surface: str,
                                          query_budget: Any) -> None:
        """STYLE.md §6: every list has a query-count test; no query per row."""
        surface = budget_surface
        url = getattr(self, f"{surface}_budget_url") or getattr(self, f"{surface}_list")
        if surface == "api" and self.api_budget_url is None:
            url += f"?page_size={self.budget_large}"
        client = Client()
        client.force_login(world.a.users[self.budget_role])
        small, large = query_budget(
            client, url, lambda start, stop: self.grow(world, start, stop),
            small=self.budget_small, large=self.budget_large,
            budget=getattr(self, f"{surface}_budget"), name=f"{type(self).__name__} {url}")
        assert _rows(surface, small.response, self.budget_base + self.budget_small)
        expected = self.budget_base + self.budget_large
        assert _rows(surface, large.response,
                     expected if surface == "html" else min(expected, self.budget_large))

    @classmethod
    def _declares(cls, name: str) -> bool:
        return getattr(cls, name) is not getattr(URLTests, name)


def _rows(surface: str, response: Any, expected: int) -> bool:
    """The list shows the `expected` rows: all of them, or a full first page of them with
    a link to the next."""
    if surface == "html":
        page = response.context["page"]
        if getattr(page, "keyset", False):  # a keyset page counts nothing (issue 13)
            shown = len(page.object_list)
            return shown == expected if not page.has_next else 0 < shown < expected
        return page.paginator.count == expected
    return len(response.json()["results"]) == expected
