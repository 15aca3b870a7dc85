"""Controlled vocabularies shared by every app.

The codes are stable identifiers used in policy profile files, the database and the
API. Labels are English source strings translated to zh-hans. Department types cover
every type named in DOMAIN.md §1 (000, 001 §4, 002, 003, 004).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def label_of(choices: type[models.TextChoices], code: str) -> str:
    """The translated label of a code, or the code itself when it is unknown."""
    try:
        return str(choices(code).label)
    except ValueError:
        return code


class DepartmentType(models.TextChoices):
    EDUCATION_SPORTS = "education_sports", _("Education and sports bureau")
    EDUCATION = "education", _("Education bureau")
    SPORTS = "sports", _("Sports bureau")
    CULTURE_TOURISM = "culture_tourism", _("Culture and tourism bureau")
    SCIENCE_TECHNOLOGY = "science_technology", _("Science and technology bureau")
    PUBLIC_SECURITY = "public_security", _("Public security bureau")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs bureau")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security bureau")
    MARKET_REGULATION = "market_regulation", _("Market regulation bureau")
    TAX = "tax", _("Tax bureau")
    FIRE_RESCUE = "fire_rescue", _("Fire and rescue brigade")
    EMERGENCY = "emergency", _("Emergency management bureau")
    HEALTH = "health", _("Health commission")
    GOVERNMENT_SERVICES = "government_services", _("Government services office")
    DEVELOPMENT_REFORM = "development_reform", _("Development and reform commission")
    FINANCIAL_REGULATION = "financial_regulation", _("Financial regulation bureau")
    INTERNET_INFORMATION = "internet_information", _("Internet information office")
    PUBLICITY = "publicity", _("Publicity department")
    POLITICAL_LEGAL = "political_legal", _("Political and legal affairs commission")
    JUSTICE = "justice", _("Justice bureau")
    HOUSING = "housing", _("Housing and urban-rural development bureau")
    URBAN_MANAGEMENT = "urban_management", _("Urban management bureau")
    COMMERCE = "commerce", _("Commerce bureau")
    WOMENS_FEDERATION = "womens_federation", _("Women's federation")
    DISCIPLINE_INSPECTION = "discipline_inspection", _("Discipline inspection and supervision commission")
    TOWN_GOVERNMENT = "town_government", _("Town or street government")
    #: 002 §2(4): the employment look-up and bans are set up 「会同区检察院、公安局等部门」.
    PROCURATORATE = "procuratorate", _("People's procuratorate")


class Category(models.TextChoices):
    """Institution categories (DOMAIN.md §2). Which ones a deployment supervises is a
    profile setting (001 §3, 004 §3(2))."""

    ARTS = "arts", _("Arts")
    TECH = "tech", _("Technology")
    SPORTS = "sports", _("Sports")
    ACADEMIC = "academic", _("Academic")


class Phase(models.TextChoices):
    """The three phases of the responsibility matrix (000 §3)."""

    LICENSING = "licensing", _("Licensing")
    ANNUAL_INSPECTION = "annual_inspection", _("Annual inspection")
    DAILY_SUPERVISION = "daily_supervision", _("Daily supervision")


class Nature(models.TextChoices):
    """For-profit institutions register with market regulation, non-profit ones with
    civil affairs (000 §3)."""

    FOR_PROFIT = "for_profit", _("For-profit")
    NON_PROFIT = "non_profit", _("Non-profit")


class Step(models.TextChoices):
    """Steps inside a phase. A phase's lead does not own every step (000 §3), so the
    profile names an owner per step."""

    # licensing (000 §3, 001 §4(2)4)
    ACCEPTANCE = "acceptance", _("Acceptance")
    MATERIAL_REVIEW = "material_review", _("Material review")
    CO_REVIEW = "co_review", _("Co-review of materials")
    ONSITE_INSPECTION = "onsite_inspection", _("On-site inspection")
    MATERIALS_REVIEW = "training_materials_review", _("Training materials review")
    CREDENTIAL_VERIFICATION = "credential_verification", _("Teacher credential verification")
    RECORD_CHECK = "record_check", _("Staff violation-record check")
    CONSULTATION = "consultation", _("Consultation of the supervising department")
    CONCLUSION = "conclusion", _("Conclusion")
    REGISTRATION = "registration", _("Registration")
    FILING = "filing", _("Filing")
    LICENCE_ISSUE = "licence_issue", _("Licence issue")
    FUND_ACCOUNT = "fund_account", _("Fund-supervision account")
    #: 002 §3(1): 「区住建局负责配合…做好校外培训机构场所建筑、消防安全审批工作」.
    PREMISES_APPROVAL = "premises_approval", _("Premises and fire-safety approval")
    APPROVAL_NOTICE = "approval_notice", _("Approval pushed to departments")
    # annual inspection (000 §3, 002)
    PLAN = "plan", _("Inspection plan")
    GROUPING = "grouping", _("Grouping and scheduling")
    INSPECTION = "inspection", _("Inspection")
    PUBLISH_RESULTS = "publish_results", _("Publication of results")
    # daily supervision (000 §3)
    PATROL = "patrol", _("Patrols and inspections")
    COMPLAINT_HANDLING = "complaint_handling", _("Complaint handling")
    ENFORCEMENT = "enforcement", _("Administrative enforcement")
    PLATFORM_DATA = "platform_data", _("Platform data upkeep")
    OPERATOR_TRAINING = "operator_training", _("Operator training")
    SECURITY = "security", _("Security conditions")
    FEES = "fees", _("Fees, advertising and competition")
    LABOUR = "labour", _("Labour supervision")
    TAXATION = "taxation", _("Tax registration and supervision")


class StepRole(models.TextChoices):
    """The role of a step owner's task: the lead does not own every step, and not every
    step owner leads (000 §3: 「牵头」 and 「配合」 per department and duty). The values are
    those of `cases.models.TaskRole`; policy keeps its own copy because cases imports
    policy. Participants and co-signers of a step always assist."""

    LEAD = "lead", _("Lead")
    ASSIST = "assist", _("Assist")


class LicenceAction(models.TextChoices):
    """What a licence approval decides (001 §4(2)4)."""

    ESTABLISH = "establish", _("Establishment")
    CHANGE = "change", _("Change")
    TERMINATE = "terminate", _("Termination")


class ComplaintTopic(models.TextChoices):
    """Topics used by complaint routing (001 §5(3), 004 annex 1)."""

    GENERAL = "general", _("General")
    ADVERTISING = "advertising", _("Advertising")
    CONTRACT = "contract", _("Contract")
    PRICE = "price", _("Prices and fees")
    SAFETY = "safety", _("Safety")
    REFUND = "refund", _("Refunds")
    UNLICENSED = "unlicensed", _("Unlicensed training")
