"""A GIN index on the pairs of characters of institution names (core.search): the public
look-up and the office register find a name by any part of it without reading every row
(issue 13)."""

from django.db import migrations

from core.search import gram_index


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0015_institution_listed_at'),
    ]

    operations = [
        gram_index("institutions_institution", "name", "institution_name_grams_idx"),
    ]
