from django.urls import path

from complaints import open311, views

app_name = "complaints"
urlpatterns = [
    path("complaints/new/", views.file, name="file"),
    path("complaints/hotlines/", views.hotlines, name="hotlines"),
    path("complaints/track/", views.track, name="track"),
    path("complaints/track/rate/", views.rate, name="rate"),
    path("office/complaints/", views.office_list, name="office_list"),
    path("office/complaints/new/", views.office_new, name="office_new"),
    path("office/complaints/analytics/", views.analytics, name="analytics"),
    path("office/complaints/report-backs/", views.report_backs, name="report_backs"),
    path("office/complaints/about-us/", views.institution_list, name="institution_list"),
    path("office/complaints/about-us/<str:number>/", views.institution_detail,
         name="institution_detail"),
    path("office/complaints/<str:number>/", views.office_detail, name="office_detail"),
    path("office/complaints/<str:number>/files/<int:pk>/", views.office_file,
         name="office_file"),
    path("office/complaints/<str:number>/<slug:verb>/", views.office_action,
         name="office_action"),
    path("open311/v2/<str:resource>", open311.root_view, name="open311"),
    path("open311/v2/services/<str:resource>", open311.service_view, name="open311_service"),
    path("open311/v2/requests/<str:resource>", open311.request_view, name="open311_request"),
    path("open311/v2/tokens/<str:resource>", open311.token_view, name="open311_token"),
]
