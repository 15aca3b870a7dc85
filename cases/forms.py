from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import kinds
from cases.models import TaskRole
from core.abilities import may
from core.vocab import Category, Phase
from org.models import DEPARTMENT_ROLES, Department, Region, User
from org.scope import Action


class TaskCompleteForm(forms.Form):
    note = forms.CharField(label=_("Completion note"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=5000)


class TaskReturnForm(forms.Form):
    reason = forms.CharField(label=_("Reason for returning"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _region_departments(user: User) -> Any:
    """The departments the user may hand work to (the gateway's ASSIGN on departments)."""
    return Department.objects.restrict(user, Action.ASSIGN).filter(
        is_active=True).select_related("region")


def _colleagues(user: User) -> Any:
    qs = User.objects.restrict(user).filter(
        is_active=True, department__isnull=False,
        role__in=DEPARTMENT_ROLES).select_related("department")
    if not may(user, "cases.assign_across_departments"):  # a head picks within the department
        qs = qs.filter(department_id=user.department_id)
    return qs


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} · {obj.department}"


class TaskReassignForm(forms.Form):
    assignee = AssigneeChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                   required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _colleagues(user)
        if may(user, "cases.move_task"):
            self.fields["department"].queryset = _region_departments(user)
        else:
            del self.fields["department"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("assignee") and not data.get("department"):
            raise forms.ValidationError(_("Pick a person or a department."))
        return data


class DepartmentTaggedSelect(forms.Select):
    """Each person carries their department, so that the page offers only the officers of
    the selected tasks' departments (portal.js)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None and instance.department_id:
            option["attrs"]["data-department"] = str(instance.department_id)
        return option


class BulkAssignForm(TaskReassignForm):
    tasks = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: User, departments: Any = None, **kwargs: Any) -> None:
        """`departments`: the departments of the tasks on offer; only their officers are
        offered (issue 14 C9). The service checks each task's department again."""
        super().__init__(*args, user=user, **kwargs)
        field = self.fields["assignee"]
        if departments is not None:
            field.queryset = field.queryset.filter(department_id__in=departments)
        field.widget = DepartmentTaggedSelect(attrs={"data-limit-by-department": ""})
        field.widget.choices = field.choices

    def clean_tasks(self) -> list[int]:
        raw = self.data.getlist("task_ids") if hasattr(self.data, "getlist") else []
        try:
            ids = sorted({int(x) for x in raw})
        except ValueError:
            raise forms.ValidationError(_("Invalid task selection."))
        if not ids:
            raise forms.ValidationError(_("Select at least one task."))
        return ids


class TaskAssignForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=TaskRole.choices)
    duty = forms.CharField(label=_("Duty"), widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)
    assignee = AssigneeChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                   required=False)
    workdays = forms.IntegerField(label=_("Deadline (working days)"), min_value=1,
                                  max_value=365, required=False,
                                  help_text=_("Empty: the profile's default deadline."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _region_departments(user)
        self.fields["assignee"].queryset = _colleagues(user)


class CaseOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"),
                             choices=lambda: kinds.choices(openable_only=True))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}),
                                  required=False, max_length=10000)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", "—"), *Category.choices])
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *Phase.choices])

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level__lte=4)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=10000)
    to_applicant = forms.BooleanField(
        label=_("Message to the institution"), required=False,
        help_text=_("Comments are internal to the departments; tick this to let the "
                    "institution read this one (it is told)."))

    def __init__(self, *args: Any, offer_applicant: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not offer_applicant:
            del self.fields["to_applicant"]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    to_applicant = forms.BooleanField(label=_("Share with the institution"), required=False)

    def __init__(self, *args: Any, offer_applicant: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limits are stated before the upload, not only in its refusal.
        self.fields["file"].help_text = gettext(
            "PDF, images, Word or Excel; at most %(mb)s MB.") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        if not offer_applicant:
            del self.fields["to_applicant"]
