"""The topic taxonomy, the published hotlines (004 annex 1) and reply templates, as data
that admins edit later; and PostgreSQL's trigram extension for duplicate suggestions."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

#: (code, name, English name, routing topic of the policy profile)
TOPICS = [
    ("refund", "退费", "Refunds", "refund"),
    ("fees", "收费", "Fees", "price"),
    ("disguised_academic", "隐形变异学科类培训", "Disguised academic training", "unlicensed"),
    ("hours", "培训时间", "Training hours", "general"),
    ("safety", "安全隐患", "Safety", "safety"),
    ("advertising", "违规广告", "Advertising", "advertising"),
    ("contract", "合同", "Contracts", "contract"),
    ("teacher_conduct", "教师行为", "Teacher conduct", "general"),
    ("other", "其他", "Other", "general"),
]

#: 004 annex 1 (泉州市校外培训举报电话及邮箱); the 12345 hotline everywhere (004 §6(2)1).
HOTLINES = [
    ("", "", "各类校外培训问题", "12345政务服务便民热线", "12345", "", "004 §6(2)1"),
    ("quanzhou", "academic", "公开涉嫌校外培训违法违规方面：学科类", "泉州市教育局",
     "0595-22783859", "mkg@qzedu.cn", "004 附件1"),
    ("quanzhou", "tech", "公开涉嫌校外培训违法违规方面：科技类", "泉州市科学技术局",
     "0595-22570075", "qzskjcg@163.com", "004 附件1"),
    ("quanzhou", "arts", "公开涉嫌校外培训违法违规方面：文化艺术类", "泉州市文化广电和旅游局",
     "0595-22118960", "qzswljxwpx@163.com", "004 附件1"),
    ("quanzhou", "sports", "公开涉嫌校外培训违法违规方面：体育类", "泉州市体育局",
     "0595-22787210", "qzstyj@126.com", "004 附件1"),
    ("quanzhou", "", "涉嫌违法培训广告、合同、价格等方面", "泉州市市场监督管理局", "12315",
     "www.12315.cn", "004 附件1"),
]

REPLIES = [
    ("查实已处理", "您反映的问题经核实属实，我们已依法依规处理（责令整改/立案查处），"
                  "并将持续跟踪整改情况。感谢您的监督。"),
    ("部分属实", "您反映的问题经核实部分属实，属实部分已责令机构整改。感谢您的监督。"),
    ("未查实", "经现场核查和调取资料，未发现您反映的问题。如有新的线索，欢迎继续反映。"),
    ("退费调解", "我们已组织您与机构进行退费调解，请留意机构联系。如调解不成，可依法申请仲裁或诉讼。"),
]


def seed(apps, schema_editor):
    Topic = apps.get_model("complaints", "Topic")
    Hotline = apps.get_model("complaints", "Hotline")
    ReplyTemplate = apps.get_model("complaints", "ReplyTemplate")
    for order, (code, name, name_en, route) in enumerate(TOPICS):
        Topic.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "route_topic": route, "order": order * 10})
    if not Hotline.objects.exists():
        for order, (profile, category, matter, dept, phone, mailbox, source) in \
                enumerate(HOTLINES):
            Hotline.objects.create(profile=profile, category=category, matter=matter,
                                   department=dept, phone=phone, mailbox=mailbox,
                                   source=source, order=order * 10)
    if not ReplyTemplate.objects.exists():
        for order, (name, body) in enumerate(REPLIES):
            ReplyTemplate.objects.create(name=name, body=body, order=order * 10)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
