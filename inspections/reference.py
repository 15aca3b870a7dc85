"""Reference data kept as data: the checklist templates (issue 9: "checklist templates
per category, kept as data"; training quality is the key indicator of the annual
inspection, 002 §2(4)) and the violation taxonomy with each item's seed source and
competent department (DOMAIN.md §6, §8).

The data migrations load them; `ensure()` puts them back where a test flushed the
database (a transactional browser test empties every table, migration data included).
"""

from __future__ import annotations

from typing import Any

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
#: The violation a failed checklist item is found to be (by item code); an item without
#: one is reported as "not met" with its wording.
ITEM_VIOLATIONS = {
    "licence_display": "unlicensed", "academic_content": "beyond_syllabus", "hours": "hours",
    "fees": "irregular_charging", "advertising": "advertising", "fire_safety": "fire_safety",
    "premises_safety": "fire_safety", "contract": "contract",
}

#: The safety checks of 002 §2(4) (公安、市场监管、消防、卫健等部门对场所安全、食品安全、
#: 消防安全、疫情防控开展检查): each department its own checklist, picked by the
#: inspecting department's type for a safety check.
SAFETY = {
    "public_security": ("场所安全检查表（公安）", [
        ("security_staff", "落实安全责任人，配备保安人员并建立值守制度", "002 §2(4); 000 §3"),
        ("physical_defence", "人防物防技防到位：视频监控、一键报警、防冲撞设施", "000 §3"),
        ("premises_structure", "培训场所结构安全，未设在地下室、临时建筑等禁用场所", "002 §2(4)"),
        ("pickup", "学生接送交接制度落实，场所周边秩序良好", "000 §3"),
    ]),
    "market_regulation": ("食品安全检查表（市场监管）", [
        ("food_licence", "提供餐食的持有食品经营许可证，或委托有资质的供餐单位", "002 §2(4)"),
        ("food_staff_health", "从业人员持有效健康证明", "002 §2(4)"),
        ("food_storage", "食品及原料储存、留样符合规定，无过期变质食品", "002 §2(4)"),
        ("kitchen_hygiene", "加工场所卫生、餐具清洗消毒符合要求", "002 §2(4)"),
    ]),
    "fire_rescue": ("消防安全检查表（消防）", [
        ("fire_exits", "安全出口、疏散通道畅通，数量符合要求", "002 §2(4)"),
        ("fire_equipment", "灭火器、应急照明、疏散指示标志配备且完好有效", "002 §2(4)"),
        ("electrical", "电气线路规范，无违规用电、电动车违规充电", "002 §2(4)"),
        ("fire_drills", "制定应急预案并定期开展消防演练", "002 §2(4)"),
    ]),
    "health": ("疫情防控及卫生检查表（卫健）", [
        ("epidemic_plan", "制定疫情防控应急预案，落实晨午检和因病缺课追踪", "002 §2(4)"),
        ("ventilation", "教室通风、采光、消毒符合卫生要求", "002 §2(4)"),
        ("health_records", "从业人员健康管理台账齐全", "002 §2(4)"),
        ("sanitation", "饮用水、卫生间等公共卫生设施符合要求", "002 §2(4)"),
    ]),
}

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



def load_checklists(Template: Any, Item: Any) -> None:  # noqa: N803 (model classes)
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


def load_safety_checklists(Template: Any, Item: Any) -> None:  # noqa: N803 (model classes)
    for department_type, (name, items) in SAFETY.items():
        template, _ = Template.objects.update_or_create(
            code=f"safety_{department_type}", defaults={
                "name": name, "purpose": "daily", "category": "",
                "department_type": department_type, "pass_score": 0, "basic_pass_score": 0,
                "source": "002 §2(4)"})
        for order, (code, text, source) in enumerate(items):
            Item.objects.update_or_create(template=template, code=code, defaults={
                "text": text, "weight": 1, "key_indicator": False, "source": source,
                "order": order})


def load_violations(ViolationType: Any) -> None:  # noqa: N803 (a model class)
    for code, label, department, source in VIOLATIONS:
        ViolationType.objects.update_or_create(code=code, defaults={
            "label": label, "competent_department": department, "source": source})


def link_item_violations(Item: Any, ViolationType: Any) -> None:  # noqa: N803
    codes = dict(ViolationType.objects.filter(code__in=set(ITEM_VIOLATIONS.values()))
                 .values_list("code", "pk"))
    for item_code, violation_code in ITEM_VIOLATIONS.items():
        Item.objects.filter(code=item_code, violation__isnull=True).update(
            violation_id=codes.get(violation_code))


def ensure() -> None:
    """Load the reference data if it is missing (cheap when it is there)."""
    from inspections.models import ChecklistItem, ChecklistTemplate, ViolationType

    if not ChecklistTemplate.objects.filter(code="daily").exists():
        load_checklists(ChecklistTemplate, ChecklistItem)
    if not ChecklistTemplate.objects.filter(code="safety_health").exists():
        load_safety_checklists(ChecklistTemplate, ChecklistItem)
    if not ViolationType.objects.exists():
        load_violations(ViolationType)
    if ChecklistItem.objects.filter(code__in=ITEM_VIOLATIONS, violation__isnull=True).exists():
        link_item_violations(ChecklistItem, ViolationType)
