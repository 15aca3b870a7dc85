"""The roles of tests/factories.py that may do each inspections ability, asked in general
(no object); walked by tests/test_abilities.py. Kunming profile: culture-tourism leads the
arts annual inspection, education-sports sports (and assists arts and tech), 000 §3."""

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}
OFFICE = ADMINS | DEPARTMENT_OFFICERS | {"joint", "discipline", "grid", "supervisor"}

EXPECTED: dict[str, set[str]] = {
    "inspections.view": OFFICE,
    "inspections.view_orders": OFFICE | {"institution"},
    "inspections.plan_round": ADMINS | {"officer", "head", "culture"},
    "inspections.record_result": {"officer", "head", "culture", "system_admin"},
    "inspections.publish_results": {"head", "system_admin"},
    "inspections.open_daily": ADMINS | DEPARTMENT_OFFICERS | {"joint", "grid"},
    "inspections.inspect": {"officer", "head", "culture", "market", "health", "grid",
                            "system_admin"},
    "inspections.random_draw": ADMINS | {"joint", "head"},
    "inspections.submit_evidence": set(),  # the order's institution is needed
    "inspections.recheck": DEPARTMENT_OFFICERS | {"system_admin"},
    "inspections.close_zombie": ADMINS | {"head"},
    "inspections.open_enforcement": ADMINS | DEPARTMENT_OFFICERS | {"joint"},
    "inspections.decide_penalty": {"head", "system_admin"},
    "inspections.blacklist": ADMINS | DEPARTMENT_OFFICERS,
    "inspections.appeal": set(),  # the entry's institution is needed
    "inspections.decide_blacklist": {"head", "system_admin"},
    "inspections.credit_export": ADMINS | {"joint", "head"},
    "inspections.stop_order": {"grid", "system_admin"},
}
