from __future__ import annotations

from complaints import services
from complaints.models import Channel, Topic


def topic(code: str = "other") -> Topic:
    return Topic.objects.get(code=code)


def submit(world, key="a", *, institution=None, topic_code="other", channel=Channel.WEB,
           actor=None, description="机构收费后拒不退费，多次沟通无果。", **kw):
    county = world.county(key)
    args = dict(actor=actor, channel=channel, topic=topic(topic_code),
                description=description, institution=institution,
                institution_text="" if institution else "某培训点",
                region=None if institution else county.town,
                complainant_name="王女士", complainant_phone="13900001111")
    args.update(kw)
    return services.complaint_submit(**args)


def lead(complaint):
    return services.open_lead_task(complaint)
