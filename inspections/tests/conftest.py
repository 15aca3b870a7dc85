import pytest


@pytest.fixture(autouse=True)
def _inspections_reference_data(request):  # type: ignore[no-untyped-def]
    """A transactional browser test elsewhere empties every table, migration data
    included: put the checklists and the violation taxonomy back for these tests."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and not marker.kwargs.get("transaction"):
        request.getfixturevalue("db")
        from inspections import reference

        reference.ensure()
    yield
