"""Schemathesis hooks for fuzzing this API (`SCHEMATHESIS_HOOKS=tests.schemathesis_hooks`,
and tests/test_api_fuzz.py). A cursor is valid only if the list issued it, which no
schema can say: the fuzzer sends no cursor it made up. The same holds for a change feed's
`since` watermark (tests/test_api_feed.py refuses forged ones and follows issued ones). Made-up cursors are refused with
400 (tests/test_api_integrator.py) and issued ones are followed
(tests/test_api.py::test_cursor_pagination_visits_every_row_exactly_once)."""

from typing import Any

import schemathesis


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.query:
        case.query.pop("cursor", None)
        case.query.pop("since", None)
