"""Demo complaints for one county (called from portal/demo.py's per-county loop):
every channel and every state, a repeat and a merged duplicate, and some overdue; handling
that opened a rectification order and an enforcement case, verification evidence files,
forwarded complaints reported back up (and one still owed), and an institution asked to
explain. Idempotent: a county that has complaints is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Channel, Complaint, Finding, Outcome, Rating, Topic
from core.errors import DomainError
from institutions.models import Institution
from org.models import Region, User
from policy import calendar


def load(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    if Complaint.objects.filter(case__region__path__startswith=county.path).exists():
        return
    insts = list(Institution.objects.filter(region__path__startswith=county.path)
                 .order_by("uscc")[:3])
    if not insts:
        return
    town = county.children.order_by("code").first() or county
    topics = {t.code: t for t in Topic.objects.all()}
    officer, joint = users[f"{key}_officer"], users[f"{key}_joint"]
    past = lambda n: calendar.add_workdays(today, -n)  # noqa: E731

    def new(topic: str, channel: str = Channel.WEB, inst: Any = None, actor: Any = None,
            text: str = "", day: dt.date | None = None, **kw: Any) -> tuple[Complaint, str]:
        complaint, code, _created = services.complaint_submit(
            actor=actor, channel=channel, topic=topics[topic], institution=inst,
            institution_text="" if inst else kw.pop("name", "小区内无牌托管班"),
            region=None if inst else town, today=day,
            description=text or "孩子在该机构上课，存在问题，请核查处理。",
            complainant_name=kw.pop("who", "王女士"),
            complainant_phone=kw.pop("phone", "13900001111"), **kw)
        return complaint, code

    def to_reply(c: Complaint, finding: str = Finding.SUBSTANTIATED,
                 outcome: str = Outcome.RECTIFICATION, files: list[Any] | None = None,
                 params: dict[str, str] | None = None) -> None:
        services.complaint_verify(actor=officer, complaint=c, finding=finding,
                                  evidence="现场核查，调取收费记录和课表。", files=files or [])
        note = "已下达整改通知书，限期10个工作日整改。" \
            if outcome != Outcome.NOTHING_FURTHER else "经核查未发现问题。"
        try:
            services.complaint_handle(actor=officer, complaint=c, outcome=outcome, note=note,
                                      params=params)
        except DomainError:  # the violation taxonomy is missing: a note will do
            services.complaint_handle(actor=officer, complaint=c,
                                      outcome=Outcome.NOTHING_FURTHER, note=note)

    a, b, c = (insts * 3)[:3]
    # verifying, overdue (received 8 working days ago)
    new("refund", inst=a, text="交了一年学费，机构停课后拒不退费。", day=past(8))
    # a repeat from the same phone about the same institution, merged into the first
    first, _ = new("refund", inst=a, text="机构停课后拒不退费，已多次沟通无果。")
    dup, _ = new("refund", inst=a, text="机构停课后拒不退费，多次沟通无果。")
    services.complaint_merge(actor=users[f"{key}_admin"], complaint=dup, into=first)
    # awaiting dispatch: unknown institution, unclassified topic (12345 ticket)
    new("teacher_conduct", Channel.HOTLINE_12345, actor=joint,
        external_ticket=f"12345-{county.code}-0001", who="", phone="")
    # forwarded from above, being handled
    fwd, _ = new("hours", Channel.FORWARDED, inst=b, actor=joint, origin="市“双减”工作专门协调机制办公室",
                 text="周末晚上九点后仍在上课。")
    services.complaint_verify(actor=officer, complaint=fwd, finding=Finding.PARTLY,
                              evidence="周六晚间抽查，确有超时上课。")
    # walk-in, reply being prepared
    walk, _ = new("other", Channel.WALK_IN, inst=c, actor=officer, who="赵先生",
                  phone="13600002222", text="机构擅自更换授课教师，未告知家长。")
    to_reply(walk, files=[SimpleUploadedFile("现场检查记录.pdf", _pdf(),
                                             content_type="application/pdf")])
    # letter, replied and awaiting rating: an enforcement case was opened
    letter, _ = new("hours", Channel.LETTER, inst=b, actor=officer, who="孙女士",
                    phone="13700003333", text="寒假期间每天上课到晚上九点半。")
    to_reply(letter, outcome=Outcome.ENFORCEMENT, params={"violation": "hours"})
    services.complaint_reply(actor=officer, complaint=letter, text="已责令机构调整课时安排。")
    # e-mail, closed satisfied
    mail, code = new("hours", Channel.EMAIL, inst=a, actor=officer, who="周先生",
                     phone="13500004444", text="晚上课程结束时间超过20:30。")
    to_reply(mail)
    services.complaint_reply(actor=officer, complaint=mail, text="已责令整改，下课时间已调整。")
    services.complaint_rate(complaint=mail, code=code, rating=Rating.SATISFIED)
    # department phone, unsatisfied: under review by the head
    phone, code2 = new("other", Channel.DEPARTMENT_PHONE, inst=c, actor=officer, who="吴女士",
                       phone="13300005555", text="课程内容与宣传不符。")
    to_reply(phone, Finding.UNSUBSTANTIATED, Outcome.NOTHING_FURTHER)
    services.complaint_reply(actor=officer, complaint=phone, text="经核查未发现问题。")
    services.complaint_rate(complaint=phone, code=code2, rating=Rating.UNSATISFIED,
                            comment="希望再次核查。")

    # forwarded from above and replied: one reported back up, one still owed
    for n, text in enumerate(("家长反映机构以“托管”名义开展学科培训。",
                              "机构收费未纳入资金监管账户。")):
        up, _ = new("other", Channel.FORWARDED, inst=a, actor=joint, origin="省教育厅",
                    text=text, who="郑先生", phone=f"1380000{n:04d}")
        to_reply(up, outcome=Outcome.NOTHING_FURTHER)
        services.complaint_reply(actor=officer, complaint=up, text="经核查，已责令机构规范办学。")
        if n == 0:
            up.refresh_from_db()
            services.complaint_report(actor=officer, report=up.report_back,
                                      accepted_on=today, outcome="部分属实，已责令整改。",
                                      reply="经核查，已责令机构规范办学。")
    # the institution's staff are asked to explain, and one answer is in
    staff = User.objects.filter(pk=getattr(users.get(f"{key}_institution"), "pk", None)
                                ).select_related("institution").first()
    own = staff.institution if staff is not None else None
    if staff is not None and own is not None:
        asked, _ = new("other", inst=own, text="一次性收取超过三个月的课时费。", who="钱女士",
                       phone="13200006666")
        pending, _ = new("other", inst=own, text="教室消防通道堆放杂物。", who="", phone="")
        try:
            services.complaint_ask_explanation(actor=officer, complaint=asked,
                                               question="请说明收费周期和收费凭证。")
            services.complaint_explain(actor=staff, complaint=asked,
                                       text="已按三个月周期收费，附收费凭证，请核查。")
            services.complaint_ask_explanation(actor=officer, complaint=pending,
                                               question="请说明消防通道整改情况。")
        except DomainError:  # routed to another department under this profile
            pass

def _pdf() -> bytes:
    """A one-page PDF that parses, for the demo's evidence file."""
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out
