"""Roles per reports ability, asked in general (no object); tests/test_abilities.py walks
them with the rest."""

ADMINS = {"county_admin", "city_admin", "system_admin"}

EXPECTED: dict[str, set[str]] = {
    # -- dashboards and coverage (issue 12 "Dashboards") --
    "reports.view_dashboard": ADMINS | {"joint", "head"},
    "reports.view_coverage": ADMINS | {"joint", "head"},
    # -- end dashboards and coverage --
}
