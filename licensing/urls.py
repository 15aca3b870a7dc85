from django.urls import path

from licensing import views

app_name = "licensing"
urlpatterns = [
    path("office/institutions/<str:uscc>/apply/", views.office_apply, name="apply"),
    path("office/licensing/<int:pk>/<slug:verb>/", views.licensing_decide, name="decide"),
]
