import importlib

import pytest
from django.apps import apps


def seed_taxonomy() -> None:
    """The topics, hotlines and reply templates of the data migration: a transactional
    test elsewhere in the session flushes them with every other table."""
    importlib.import_module("complaints.migrations.0002_seed_data").seed(apps, None)
    importlib.import_module("complaints.migrations.0007_hotline_12345_sources").forward(
        apps, None)


@pytest.fixture(autouse=True)
def _taxonomy(request):  # type: ignore[no-untyped-def]
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        seed_taxonomy()
    yield
