import pytest


@pytest.fixture(autouse=True)
def _reports_reference_data(request):  # type: ignore[no-untyped-def]
    """A transactional browser test elsewhere empties every table, migration data
    included: put back the complaint topics and the inspection checklists the figures'
    source records need."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and not marker.kwargs.get("transaction"):
        request.getfixturevalue("db")
        from complaints.tests.conftest import seed_taxonomy
        from inspections import reference

        seed_taxonomy()
        reference.ensure()
    yield
