"""The violation taxonomy as data (DOMAIN.md §6 and §8), each item with its seed source and
its competent department."""

from django.db import migrations

VIOLATIONS = [
    ("fake_deregistration", "假注销真运营", "education_sports", "003 §5(1)"),
    ("disguised_academic", "以咨询、文化传播、家政、住家教师、众筹私教等名义违规开展学科类培训（隐形变异）",
     "education_sports", "003 §5(1); 002 §2(2)"),
    ("live_to_recorded", "直播变录播", "education_sports", "003 §5(1)"),
    ("offsite_training", "在居民楼、酒店、咖啡厅等场所开展“一对一”“一对多”培训", "education_sports",
     "003 §5(1)"),
    ("forbidden_period", "在法定节假日、休息日及寒暑假开展学科类培训", "education_sports", "004 §3"),
    ("beyond_syllabus", "超标超前培训", "education_sports", "004 §3"),
    ("unlicensed", "无证无照、无证有照开展培训", "education_sports", "000 §4(2); 004 §5"),
    ("underground", "转入地下、关门培训", "education_sports", "004 §3(1)"),
    ("hours", "培训时间超出规定（线下晚于20:30，线上晚于21:00）", "education_sports", "002 §2(4)"),
    ("funds_outside", "预收费未纳入资金监管", "education_sports", "004 §4(4)"),
    ("irregular_charging", "违规收费（超3个月或60课时、超5000元）", "market_regulation",
     "002 §2(4)"),
    ("contract", "未使用示范合同文本", "market_regulation", "004 §4(5)"),
    ("advertising", "违规发布校外培训广告", "market_regulation", "002 §2(4)"),
    ("fire_safety", "消防安全隐患", "fire_rescue", "002 §2(4)"),
    ("security", "人防物防技防及治安安全隐患", "public_security", "000 §3"),
    ("labour", "拖欠工资、违规裁员", "human_resources", "003 §5(4)"),
    ("invoices", "未开具规范发票", "tax", "002 §2(4)"),
    ("piracy", "侵权盗版、非法出版", "culture_tourism", "001 §4(2)2"),
]


def load(apps, schema_editor):
    ViolationType = apps.get_model("inspections", "ViolationType")
    for code, label, department, source in VIOLATIONS:
        ViolationType.objects.update_or_create(code=code, defaults={
            "label": label, "competent_department": department, "source": source})


class Migration(migrations.Migration):
    dependencies = [("inspections", "0004_enforcement")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
