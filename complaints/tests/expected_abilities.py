"""Roles per complaints ability, asked in general (no object); tests/test_abilities.py
walks them with the rest."""

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}

EXPECTED: dict[str, set[str]] = {
    "complaints.enter": ADMINS | {"joint"} | DEPARTMENT_OFFICERS,
    "complaints.dispatch": ADMINS | {"joint"},
    "complaints.work": DEPARTMENT_OFFICERS,
    "complaints.review": {"head"},
    "complaints.view_list": ADMINS | {"joint", "discipline"} | DEPARTMENT_OFFICERS,
    "complaints.analytics": ADMINS | {"joint", "discipline", "head"},
    # a department sees the identity only on a complaint it handles (needs the object)
    "complaints.see_identity": ADMINS | {"joint"},
    "complaints.explain": {"institution"},
}
