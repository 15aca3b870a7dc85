from django.urls import path

from cases import views

app_name = "cases"
urlpatterns = [
    path("tasks/mine/", views.my_tasks, name="my_tasks"),
    path("tasks/department/", views.department_tasks, name="department_tasks"),
    path("tasks/overview/", views.overview, name="overview"),
    path("tasks/bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("tasks/<int:pk>/<slug:verb>/", views.task_action, name="task_action"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_open, name="case_open"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/assign/", views.case_assign, name="case_assign"),
    path("cases/<str:number>/comments/", views.comment_add, name="comment_add"),
    path("cases/<str:number>/attachments/", views.attachment_add, name="attachment_add"),
    path("cases/<str:number>/attachments/<int:pk>/", views.attachment_download,
         name="attachment_download"),
    path("cases/<str:number>/<slug:verb>/", views.case_transition, name="case_transition"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge/", views.notifications_badge, name="notifications_badge"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
]
