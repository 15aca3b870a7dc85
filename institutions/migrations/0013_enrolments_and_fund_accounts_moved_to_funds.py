"""Issue 11: enrolling is an order of the funds app, and the fund-supervision account and
payment channel are its supervision arrangement. funds 0006 carries the rows over first."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0012_not_approved_status'),
        ('funds', '0006_enrolments_and_fund_accounts_move_here'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='institution',
            name='fund_account',
        ),
        migrations.RemoveField(
            model_name='institution',
            name='payment_channel',
        ),
        migrations.DeleteModel(
            name='Enrolment',
        ),
    ]
