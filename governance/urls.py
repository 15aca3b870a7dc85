from django.urls import path

from governance import views

app_name = "governance"
urlpatterns = [
    # issue 12, governance part A (before the generic <pk>/<verb>/ routes)
    path("office/governance/units/new/", views.unit_new, name="unit_new"),
    path("office/governance/units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("office/governance/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("office/governance/campaigns/<int:pk>/edit/", views.campaign_edit,
         name="campaign_edit"),
    path("office/governance/campaigns/<int:pk>/plans/call/", views.plan_call,
         name="plan_call"),
    path("office/governance/campaigns/<int:pk>/spotchecks/add/", views.spotcheck_add,
         name="spotcheck_add"),
    path("office/governance/plans/<int:pk>/", views.plan_detail, name="plan"),
    path("office/governance/plans/<int:pk>/document/", views.plan_document,
         name="plan_document"),
    path("office/governance/problems/<int:pk>/measures/add/", views.measure_add,
         name="measure_add"),
    path("office/governance/measures/<int:pk>/done/", views.measure_done, name="measure_done"),
    path("office/governance/screening/<int:pk>/", views.screening_entity,
         name="screening_entity"),
    path("office/governance/filings/", views.filings, name="filings"),
    path("office/governance/filings/<int:pk>/document/", views.filing_document,
         name="filing_document"),
    path("office/governance/meetings/", views.meetings, name="meetings"),
    path("office/governance/meetings/new/", views.meeting_new, name="meeting_new"),
    path("office/governance/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("office/governance/meetings/<int:pk>/<slug:verb>/", views.meeting_action,
         name="meeting_action"),
    path("office/governance/units/", views.units, name="units"),
    path("office/governance/units/<int:pk>/roster/", views.roster_change, name="roster"),
    path("office/governance/screening/", views.screening, name="screening"),
    path("office/governance/campaigns/", views.campaigns, name="campaigns"),
    path("office/governance/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("office/governance/campaigns/<int:pk>/<slug:verb>/", views.campaign_action,
         name="campaign_action"),
    path("office/governance/problems/<int:pk>/evidence/", views.problem_evidence,
         name="problem_evidence"),
    path("office/governance/problems/<int:pk>/<slug:verb>/", views.problem_action,
         name="problem_action"),
]
