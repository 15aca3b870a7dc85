from django.urls import path

from governance import discipline_views, views

app_name = "governance"
urlpatterns = [
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
    # discipline inspection's records and the evaluation records (discipline_views.py)
    path("office/governance/proposals/", discipline_views.proposals, name="proposals"),
    path("office/governance/proposals/new/", discipline_views.proposal_new,
         name="proposal_new"),
    path("office/governance/proposals/<int:pk>/", discipline_views.proposal_detail,
         name="proposal"),
    path("office/governance/proposals/<int:pk>/followup/", discipline_views.proposal_followup,
         name="proposal_followup"),
    path("office/governance/evaluations/", discipline_views.evaluations, name="evaluations"),
    path("office/governance/evaluations/new/", discipline_views.evaluation_new,
         name="evaluation_new"),
]
