"""The roles that may do each funds ability, asked in general (tests/test_abilities.py
walks them). Issue 11 "Access": the admins, the departments' officers (the gateway then
narrows them to the funds departments and the supervising department), the institution's
own staff."""

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}

EXPECTED: dict[str, set[str]] = {
    "funds.view": ADMINS | DEPARTMENT_OFFICERS | {"institution"},
    "funds.arrange": ADMINS | DEPARTMENT_OFFICERS,
    "funds.sell": ADMINS | {"institution"},
    "funds.consume": ADMINS | {"institution"},
    "funds.dispute": ADMINS | DEPARTMENT_OFFICERS | {"institution"},
    "funds.resolve": ADMINS | DEPARTMENT_OFFICERS,
    "funds.refund": ADMINS | DEPARTMENT_OFFICERS | {"institution"},
    "funds.request_refund": ADMINS | DEPARTMENT_OFFICERS | {"institution"},
    "funds.answer_refund": ADMINS | {"institution"},
    "funds.self_inspect": ADMINS | {"institution"},
    "funds.spot_check": ADMINS | DEPARTMENT_OFFICERS,
    "funds.invoice": ADMINS | {"institution"},
    "funds.handle_warning": ADMINS | DEPARTMENT_OFFICERS,
    "funds.risk_ledger": ADMINS | DEPARTMENT_OFFICERS,
    # Education-sports and market regulation are funds departments; culture and health
    # are not (financial regulation is one too, but the test world has none).
    "funds.import_statement": ADMINS | {"officer", "head", "market"},
}
