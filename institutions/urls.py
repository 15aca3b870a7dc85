from django.urls import path

from institutions import views

app_name = "institutions"
urlpatterns = [
    path("institutions/<str:uscc>/", views.public_detail, name="public_detail"),
    path("whitelist/", views.white_list, name="white_list"),
    path("office/institutions/", views.office_list, name="office_list"),
    path("office/institutions/<str:uscc>/", views.office_detail, name="office_detail"),
]
