"""A GIN index on the characters and pairs of characters of the institution a
complainant named (core.search): the office list's `q` reads it beside the case number's
and the institution name's (issue 13)."""

from django.db import migrations

from core.search import gram_index


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0005_received_index'),
        ('cases', '0015_case_search_grams'),
    ]

    operations = [
        gram_index("complaints_complaint", "institution_text", "complaint_institution_text_grams_idx"),
    ]
