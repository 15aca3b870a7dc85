"""Complaints and reports (投诉举报, DOMAIN.md §4.4): the topic taxonomy and the published
hotlines as data, and one Complaint per complaint case (kind "complaint", TS-…).

Visibility goes through the case (`ScopedThrough`): a department sees a complaint once it
holds a task on it (complaint cases carry no phase, so the matrix alone opens none of
them, which keeps the complainant's identity with the handling departments); admins, the
joint-meeting office and discipline staff see their region's.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cases.models import Case, attachment_path, private_storage
from core.choices import ChoiceLabels
from core.vocab import Category, ComplaintTopic
from org.models import Region, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough

#: The scope a token client needs to send 12345 tickets and read them back.
CLIENT_SCOPE = "complaints:write"

#: The kind of a complaint's case (`cases.kinds`, registered in complaints/kinds.py).
KIND = "complaint"


class Topic(models.Model):
    """A complaint topic as the public sees it (refunds, fees, disguised academic
    training...). `route_topic` is the routing topic of the policy profile
    (`complaint_routing`, 001 §5(3), 004 annex 1) that the topic is routed as."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    route_topic = models.CharField(_("routing topic"), max_length=20,
                                   choices=ComplaintTopic.choices, default=ComplaintTopic.GENERAL)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("complaint topic")
        verbose_name_plural = _("complaint topics")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the English name on English pages (the walk
        of 2 December: the public form's topics stayed Chinese there)."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Hotline(models.Model):
    """A published complaint channel (004 §6(2)2 and annex 1: 公布举报电话和信箱), kept as
    editable data because the seeds disagree (004's body and annex 1 give different
    mailboxes for education and sports). `profile` limits the row to one policy profile's
    deployment; blank shows it everywhere, unless the profile has its own row for the same
    number (the 12345 hotline cites the city's own document where its seed gives it, and
    "published", the city's own number, where none does: migration 0007)."""

    profile = models.CharField(_("policy profile"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    matter = models.CharField(_("matters"), max_length=100)
    department = models.CharField(_("department"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    mailbox = models.CharField(_("mailbox or website"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("complaint hotline")
        verbose_name_plural = _("complaint hotlines")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.matter} {self.department} {self.phone}"

    @property
    def tel(self) -> str:
        """The number as a tel: URI (digits only)."""
        return "".join(ch for ch in self.phone if ch.isdigit())

    @property
    def mailbox_is_email(self) -> bool:
        return "@" in self.mailbox


class Channel(models.TextChoices):
    WEB = "web", _("Public web form")
    HOTLINE_12345 = "hotline_12345", _("12345 citizen hotline")
    DEPARTMENT_PHONE = "department_phone", _("Department complaint phone")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    FORWARDED = "forwarded", _("Forwarded from above")
    OPEN311 = "open311", _("Open311")


#: Channels an officer enters by hand.
STAFF_CHANNELS = [Channel.HOTLINE_12345, Channel.DEPARTMENT_PHONE, Channel.WALK_IN,
                  Channel.LETTER, Channel.EMAIL, Channel.FORWARDED]


class ComplaintStatus(models.TextChoices):
    DISPATCH = "dispatch", _("Awaiting dispatch")
    VERIFYING = "verifying", _("Being verified")
    HANDLING = "handling", _("Being handled")
    REPLYING = "replying", _("Reply being prepared")
    AWAITING_RATING = "awaiting_rating", _("Replied, awaiting rating")
    REVIEW = "review", _("Under review by the department head")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged into another complaint")


OPEN_STATUSES = [ComplaintStatus.DISPATCH, ComplaintStatus.VERIFYING, ComplaintStatus.HANDLING,
                 ComplaintStatus.REPLYING, ComplaintStatus.REVIEW]


class Finding(models.TextChoices):
    """有举必核 (004 §6(2)2): what verification found."""

    SUBSTANTIATED = "substantiated", _("Substantiated")
    PARTLY = "partly", _("Partly substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")


class Outcome(models.TextChoices):
    """核实必处 (004 §6(2)2): what follows a verified complaint."""

    RECTIFICATION = "rectification", _("Rectification order")
    ENFORCEMENT = "enforcement", _("Enforcement case")
    REFUND_MEDIATION = "refund_mediation", _("Refund mediation")
    NOTHING_FURTHER = "nothing_further", _("Nothing further applies")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class ComplaintQuerySet(ScopedQuerySet):
    pass


class Complaint(ChoiceLabels, ScopedThrough, models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="complaint")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="complaints",
                              verbose_name=_("topic"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_ticket = models.CharField(_("external ticket number"), max_length=60, blank=True)
    origin = models.CharField(_("forwarded by"), max_length=100, blank=True,
                              help_text=_("For a complaint forwarded from above: who sent it."))
    complainant_name = models.CharField(_("complainant's name"), max_length=50, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    institution_text = models.CharField(_("institution as described"), max_length=200,
                                        blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("region given"))
    description = models.TextField(_("description"))
    tracking_hash = models.CharField(max_length=64, blank=True, editable=False)
    #: The Open311 token of a request sent through GeoReport v2 (tokens/{token}).
    open311_token = models.CharField(max_length=32, blank=True, editable=False,
                                     db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.VERIFYING)
    route_source = models.CharField(_("routing rule"), max_length=60, blank=True)
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices,
                               blank=True)
    finding_note = models.TextField(_("verification evidence"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices,
                               blank=True)
    outcome_note = models.TextField(_("handling note"), blank=True)
    #: What the handling opened (核实必处), as the outcome registry's handler named it
    #: (complaints.outcomes): the record's kind, its id and its number (an order's case,
    #: an enforcement case, a funds order refunded in the mediation).
    outcome_link_kind = models.CharField(_("linked record"), max_length=30, blank=True)
    outcome_link_id = models.PositiveIntegerField(null=True, blank=True)
    outcome_link_number = models.CharField(_("linked record number"), max_length=40,
                                           blank=True)
    #: The handling department asks the institution for its explanation (the institution
    #: then sees the complaint's substance, never the complainant).
    explanation_question = models.TextField(_("question to the institution"), blank=True)
    explanation_requested_at = models.DateTimeField(_("explanation asked at"), null=True,
                                                    blank=True)
    explanation = models.TextField(_("the institution's explanation"), blank=True)
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    reply = models.TextField(_("reply to the complainant"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_note = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    reopened = models.BooleanField(_("reopened for review"), default=False)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="duplicates", verbose_name=_("duplicate of"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = ComplaintQuerySet.as_manager()
    scope_through = "case"

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["complainant_phone"], name="complaint_phone_idx"),
                   models.Index(fields=["status"], name="complaint_status_idx"),
                   # The office list's order: a page reads the index instead of sorting
                   # every complaint of the county (issue 13, measured by bench/scale.py).
                   models.Index(fields=["received_at", "id"], name="complaint_received_idx")]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_ticket"],
                                    condition=~Q(external_ticket=""),
                                    name="complaint_external_ticket_once"),
            models.CheckConstraint(condition=~Q(status="merged") |
                                   Q(duplicate_of__isnull=False),
                                   name="complaint_merged_has_target"),
        ]

    def __str__(self) -> str:
        return self.case.number

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """A token client holding complaints:write reads back the complaints of its
        regions (the 12345 system checks what it sent); an institution's staff read the
        complaints about their own institution that the handling department asked them to
        explain (issue 10 "Privacy": the substance, never the complainant); everyone else
        as the case."""
        if scope.kind == "client":
            if action == Action.VIEW and CLIENT_SCOPE in scope.client_scopes:
                return scope.region_q(f"{prefix}case__")
            return NOTHING
        if scope.kind == "user" and scope.role == Role.INSTITUTION_STAFF:
            if action == Action.VIEW and scope.institution_id:
                return Q(**{f"{prefix}case__institution_id": scope.institution_id,
                            f"{prefix}explanation_requested_at__isnull": False})
            return NOTHING
        return super().scope_q(scope, action, prefix)

    @staticmethod
    def hash_code(code: str) -> str:
        return hmac.new(settings.SECRET_KEY.encode(), code.strip().upper().encode(),
                        hashlib.sha256).hexdigest()

    def code_matches(self, code: str) -> bool:
        return bool(self.tracking_hash) and hmac.compare_digest(
            self.tracking_hash, self.hash_code(code))

    @property
    def institution_label(self) -> str:
        inst = self.case.institution
        return inst.name if inst is not None else self.institution_text


class ReplyTemplate(models.Model):
    """Editable reply templates (issue 10 "Handling" 3)."""

    name = models.CharField(_("name"), max_length=60)
    body = models.TextField(_("text"))
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class FileStage(models.TextChoices):
    INTAKE = "intake", _("Sent with the complaint")
    VERIFICATION = "verification", _("Verification evidence")


class ComplaintFile(ScopedThrough, models.Model):
    """Evidence sent with a complaint. The complainant has no account, so these sit beside
    the case's attachments (same checks, same private storage, random names) rather than
    among them; they are read through the complaint's case, never publicly."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    #: Sent with the complaint, or the verification's evidence (有举必核, 004 §6(2)2).
    stage = models.CharField(_("stage"), max_length=20, choices=FileStage.choices,
                             default=FileStage.INTAKE)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ComplaintQuerySet.as_manager()
    scope_through = "complaint__case"

    class Meta:
        verbose_name = _("complaint file")
        verbose_name_plural = _("complaint files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ReportBack(ScopedThrough, models.Model):
    """The report back up on a complaint forwarded from the city or the province (004
    §6(2)4: 对上级转办的投诉举报……反馈受理情况和办理结果): when it was accepted, what
    came of it and the reply, due by a task with the profile's deadline
    (`complaint_report_back`, working days from the reply)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT,
                                     related_name="report_back")
    task = models.OneToOneField("cases.Task", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    due_date = models.DateField(_("report back by"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reply = models.TextField(_("reply text"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reported by"))

    objects = ComplaintQuerySet.as_manager()
    scope_through = "complaint__case"

    class Meta:
        verbose_name = _("report back up")
        verbose_name_plural = _("reports back up")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.complaint.case.number

    @property
    def on_time(self) -> bool | None:
        if self.reported_at is None:
            return None
        from django.utils import timezone

        return timezone.localdate(self.reported_at) <= self.due_date
