from django.urls import path

from institutions import views

app_name = "institutions"
urlpatterns = [
    path("institutions/<str:uscc>/", views.public_detail, name="public_detail"),
    path("whitelist/", views.white_list, name="white_list"),
    path("office/institutions/", views.office_list, name="office_list"),
    path("institutions/<str:uscc>/licence/", views.licence_certificate, name="certificate"),
    path("office/institutions/new/", views.office_register, name="office_register"),
    path("office/institutions/import/", views.import_start, name="import_start"),
    path("office/institutions/import/template.xlsx", views.import_template,
         name="import_template"),
    path("office/imports/<int:pk>/", views.import_job, name="import_job"),
    path("office/institutions/<str:uscc>/", views.office_detail, name="office_detail"),
    path("office/institutions/<str:uscc>/course-check/", views.course_violations,
         name="course_violations"),
    path("office/institutions/<str:uscc>/feeplan-check/", views.fee_plan_violations,
         name="fee_plan_violations"),
    path("office/institutions/<str:uscc>/courses/<int:pk>/list/", views.course_list,
         name="course_list"),
    path("office/institutions/<str:uscc>/courses/<int:pk>/edit/", views.course_edit,
         name="course_edit"),
    path("office/institutions/<str:uscc>/feeplans/<int:pk>/edit/", views.feeplan_edit,
         name="feeplan_edit"),
    # Enrolling is an order of the funds app (issue 11): the old address leads there.
    path("office/institutions/<str:uscc>/enrolments/", views.enrolments, name="enrolments"),
    path("office/institutions/<str:uscc>/staff/<int:pk>/", views.staff_detail,
         name="staff_detail"),
    path("office/institutions/<str:uscc>/staff/<int:pk>/<slug:kind>/", views.staff_check,
         name="staff_check"),
    path("office/institutions/<str:uscc>/materials/<int:pk>/review/", views.material_review,
         name="material_review"),
    path("office/institutions/<str:uscc>/<slug:verb>/", views.institution_record,
         name="record"),
]
