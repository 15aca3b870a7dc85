"""Demo complaints for one county (called from portal/demo.py's per-county loop):
every channel and every state, a repeat and a merged duplicate, and some overdue.
Idempotent: a county that has complaints is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from complaints import services
from complaints.models import Channel, Complaint, Finding, Outcome, Rating, Topic
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
                 outcome: str = Outcome.RECTIFICATION) -> None:
        services.complaint_verify(actor=officer, complaint=c, finding=finding,
                                  evidence="现场核查，调取收费记录和课表。")
        services.complaint_handle(actor=officer, complaint=c, outcome=outcome,
                                  note="已下达整改通知书，限期10个工作日整改。"
                                  if outcome != Outcome.NOTHING_FURTHER else "经核查未发现问题。")

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
    to_reply(walk)
    # letter, replied and awaiting rating
    letter, _ = new("hours", Channel.LETTER, inst=b, actor=officer, who="孙女士",
                    phone="13700003333", text="寒假期间每天上课到晚上九点半。")
    to_reply(letter)
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

