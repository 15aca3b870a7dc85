from django.urls import path

from reports import dashboard_views, views

app_name = "reports"
urlpatterns: list = [
    # -- dashboards and coverage (issue 12 "Dashboards") --
    path("office/reports/dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("office/reports/coverage/", dashboard_views.coverage_list, name="coverage"),
    # -- end dashboards and coverage --
]

# -- the monthly statutory report (views.py) ------------------------------------------------
urlpatterns += [
    path("office/reports/monthly/", views.monthly_list, name="monthly"),
    path("office/reports/monthly/<int:pk>/", views.monthly_detail, name="monthly_report"),
    path("office/reports/monthly/<int:pk>/records/<slug:code>/", views.monthly_records,
         name="monthly_records"),
    path("office/reports/monthly/<int:pk>/export.xlsx", views.monthly_xlsx,
         name="monthly_xlsx"),
    path("office/reports/monthly/<int:pk>/export.pdf", views.monthly_pdf, name="monthly_pdf"),
    path("office/reports/monthly/<int:pk>/<slug:verb>/", views.monthly_action,
         name="monthly_action"),
]
