from django.urls import path

from governance import afterschool_views, consultation_views, incident_views, views

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
    # issue 12: incidents, after-school services, the monthly consultation's reports
    path("office/governance/incidents/", incident_views.incident_list, name="incidents"),
    path("office/governance/incidents/new/", incident_views.incident_new, name="incident_new"),
    path("office/governance/incidents/<int:pk>/", incident_views.incident_detail,
         name="incident"),
    path("office/governance/incidents/<int:pk>/close/", incident_views.incident_close,
         name="incident_close"),
    path("office/governance/after-school/", afterschool_views.selection_list,
         name="afterschool"),
    path("office/governance/after-school/new/", afterschool_views.selection_new,
         name="afterschool_new"),
    path("office/governance/after-school/<int:pk>/", afterschool_views.selection_detail,
         name="afterschool_detail"),
    path("office/governance/after-school/<int:pk>/<slug:verb>/",
         afterschool_views.selection_action, name="afterschool_action"),
    path("office/governance/consultations/<int:pk>/", consultation_views.reports,
         name="consultation_reports"),
    path("office/governance/consultations/<int:pk>/refresh/",
         consultation_views.reports_refresh, name="consultation_refresh"),
    path("office/governance/consultation-reports/<int:pk>/", consultation_views.report_edit,
         name="consultation_report"),
]
