"""GIN indexes on the characters and pairs of characters of case numbers and titles
(core.search): the case list's `q` finds a case by any part of either without reading
every case of the county (issue 13)."""

from django.db import migrations

from core.search import gram_index


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_task_county_code'),
    ]

    operations = [
        gram_index("cases_case", "number", "case_number_grams_idx"),
        gram_index("cases_case", "title", "case_title_grams_idx"),
    ]
