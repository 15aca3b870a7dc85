"""The checklist templates, as data (issue 9: "checklist templates per category, kept as
data"). Each item cites its seed; training quality is the key indicator of the annual
inspection (002 §2(4): 将培训质量纳入机构年检考核重要指标)."""

from django.db import migrations

ANNUAL_ITEMS = [
    ("licence", "证照齐全，办学许可证在有效期内并在显著位置公示", 10, False, "000 §4(2)"),
    ("premises_safety", "培训场所、消防安全达标，明确并落实安全责任人", 15, False, "002 §2(4)"),
    ("teachers", "师资配备与培训类别、层次、规模相适应，教师资质经核验", 15, False, "002 §2(4)"),
    ("materials", "培训材料经审核备案，内容与培训对象年龄、认知水平相适应", 10, False, "002 §2(4)"),
    ("hours", "培训时间符合规定（线下培训结束时间不晚于20:30）", 10, False, "002 §2(4)"),
    ("fees", "一次收费不超过3个月或60课时且不超过5000元，预收费全额纳入监管", 15, False,
     "002 §2(3)(4)"),
    ("contract", "使用《中小学生校外培训服务合同（示范文本）》并开具规范发票", 5, False, "002 §2(4)"),
    ("training_quality", "培训质量（年检考核重要指标）", 20, True, "002 §2(4)"),
]
ANNUAL = {
    "arts": "文化艺术类校外培训机构年检检查表",
    "tech": "科技类校外培训机构年检检查表",
    "sports": "体育类校外培训机构年检检查表",
    "academic": "学科类校外培训机构年检检查表",
}
DAILY_ITEMS = [
    ("licence_display", "证照公示，实际经营与登记一致（无证无照、无证有照）", "000 §4(2); 004 §5"),
    ("academic_content", "无违规学科类培训、超标超前培训", "004 §3; 003 §5(1)"),
    ("hours", "培训时间符合规定（线下不晚于20:30，线上不晚于21:00）", "002 §2(4)"),
    ("fees", "收费符合规定，预收费进入监管专户", "002 §2(4); 004 §4(4)"),
    ("advertising", "无违规发布培训广告", "002 §2(4)"),
    ("fire_safety", "场所、消防、食品和疫情防控安全", "002 §2(4)"),
    ("staff", "从业人员经入职查询，无从业禁止人员", "002 §2(4)"),
]


def load(apps, schema_editor):
    Template = apps.get_model("inspections", "ChecklistTemplate")
    Item = apps.get_model("inspections", "ChecklistItem")
    for category, name in ANNUAL.items():
        template, _ = Template.objects.update_or_create(
            code=f"annual_{category}", defaults={
                "name": name, "purpose": "annual", "category": category, "pass_score": 85,
                "basic_pass_score": 60, "source": "000 §3; 002 §2(4)"})
        for order, (code, text, weight, key, source) in enumerate(ANNUAL_ITEMS):
            Item.objects.update_or_create(template=template, code=code, defaults={
                "text": text, "weight": weight, "key_indicator": key, "source": source,
                "order": order})
    template, _ = Template.objects.update_or_create(
        code="daily", defaults={"name": "日常检查表", "purpose": "daily", "category": "",
                                "pass_score": 0, "basic_pass_score": 0,
                                "source": "002 §2(2)(4); 004 §4(2)"})
    for order, (code, text, source) in enumerate(DAILY_ITEMS):
        Item.objects.update_or_create(template=template, code=code, defaults={
            "text": text, "weight": 1, "key_indicator": False, "source": source,
            "order": order})


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
