"""Roles per governance ability, asked in general (no object); tests/test_abilities.py
walks them with the rest."""

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}

EXPECTED: dict[str, set[str]] = {
    "governance.view": ADMINS | {"joint", "discipline"} | DEPARTMENT_OFFICERS,
    "governance.manage_meetings": ADMINS | {"joint"},
    "governance.confirm_minutes": DEPARTMENT_OFFICERS,
    "governance.manage_campaigns": ADMINS | {"joint"},
    "governance.request_closeout": ADMINS | {"joint"} | DEPARTMENT_OFFICERS,
    "governance.approve_closeout": ADMINS | {"joint"},
    "governance.import_screening": ADMINS | {"joint"},
    # discipline inspection and evaluation records (governance/discipline.py)
    "governance.write_discipline": {"discipline"},
    "governance.record_evaluation": ADMINS | {"joint"},
}
