"""Roles per reports ability, asked in general (no object); tests/test_abilities.py walks
them with the rest. Keep each part of the app in its own block."""

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}

EXPECTED: dict[str, set[str]] = {}

# -- the monthly statutory report ----------------------------------------------------------
EXPECTED.update({
    "reports.view_monthly": ADMINS | {"joint", "discipline"} | DEPARTMENT_OFFICERS,
    "reports.submit_monthly": ADMINS | DEPARTMENT_OFFICERS,
})

# -- dashboards and coverage (issue 12 "Dashboards") ----------------------------------------
EXPECTED.update({
    "reports.view_dashboard": ADMINS | {"joint", "head"},
    "reports.view_coverage": ADMINS | {"joint", "head"},
})
