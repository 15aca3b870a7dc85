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
    "governance.manage_incidents": ADMINS | {"joint"},
    "governance.decide_after_school": DEPARTMENT_OFFICERS,
    "governance.write_consultation_report": DEPARTMENT_OFFICERS,
    "governance.record_screening_outcome": ADMINS | {"joint"} | DEPARTMENT_OFFICERS,
    "governance.file_county_plan": ADMINS | {"joint"},
    "governance.record_spotcheck": {"discipline"},
    "governance.file_unit_filing": ADMINS | {"joint"} | DEPARTMENT_OFFICERS,
    # discipline inspection and evaluation records (governance/discipline.py)
    "governance.write_discipline": {"discipline"},
    "governance.record_evaluation": ADMINS | {"joint"},
}
