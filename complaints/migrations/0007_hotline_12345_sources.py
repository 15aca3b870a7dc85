"""The 12345 hotline cites its own city's document, or none (the Kunming deployment showed
it with Quanzhou's document, 004 §6(2)1, as source).

Every city has a 12345 citizen hotline, but only two seeds give it for their own city:
004 §6(2)1 (Quanzhou: 与12345平台互联互通) and 001 §5(3) (Beichen: “12345”市民服务热线).
000 (Kunming) and 002 (Tongzhou) name no hotline. So the row shown everywhere cites the
city's own published number ("published", policy.sources), and Quanzhou and Beichen get
their own 12345 row citing their document, which takes the everywhere row's place there
(complaints.views.hotlines_for_profile). Rows an admin has edited are left alone.

0002 also wrote Quanzhou's annex in Chinese ("004 附件1"), which policy.sources does not
read: the Chinese page showed the code itself. It is written as the profiles write it,
"004 annex 1"."""

from django.db import migrations

OLD = "004 §6(2)1"
ANNEX, ANNEX_OLD = "004 annex 1", "004 附件1"
PUBLISHED = "published"  # policy.sources.PUBLISHED, written out: a migration stands alone

#: (profile, department, source) of each city whose own seed gives the 12345 hotline.
OWN = [
    ("quanzhou", "12345政务服务便民热线", "004 §6(2)1"),
    ("beichen", "12345市民服务热线", "001 §5(3)"),
]


def forward(apps, schema_editor):
    Hotline = apps.get_model("complaints", "Hotline")
    Hotline.objects.filter(profile="", phone="12345", source=OLD).update(source=PUBLISHED)
    Hotline.objects.filter(source=ANNEX_OLD).update(source=ANNEX)
    for profile, department, source in OWN:
        if not Hotline.objects.filter(profile=profile, phone="12345").exists():
            Hotline.objects.create(profile=profile, category="", matter="各类校外培训问题",
                                   department=department, phone="12345", source=source,
                                   order=0)


def backward(apps, schema_editor):
    Hotline = apps.get_model("complaints", "Hotline")
    for profile, department, source in OWN:
        Hotline.objects.filter(profile=profile, phone="12345", department=department,
                               source=source).delete()
    Hotline.objects.filter(profile="", phone="12345", source=PUBLISHED).update(source=OLD)
    Hotline.objects.filter(source=ANNEX).update(source=ANNEX_OLD)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_complaint_institution_text_grams")]

    operations = [migrations.RunPython(forward, backward)]
