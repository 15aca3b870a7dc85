from django.urls import path

from complaints import views

app_name = "complaints"
urlpatterns = [
    path("complaints/new/", views.file, name="file"),
    path("complaints/hotlines/", views.hotlines, name="hotlines"),
    path("complaints/track/", views.track, name="track"),
    path("complaints/track/rate/", views.rate, name="rate"),
    path("office/complaints/", views.office_list, name="office_list"),
    path("office/complaints/new/", views.office_new, name="office_new"),
    path("office/complaints/analytics/", views.analytics, name="analytics"),
    path("office/complaints/<str:number>/", views.office_detail, name="office_detail"),
    path("office/complaints/<str:number>/files/<int:pk>/", views.office_file,
         name="office_file"),
    path("office/complaints/<str:number>/<slug:verb>/", views.office_action,
         name="office_action"),
]
