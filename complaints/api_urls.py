"""The app's REST routes, included under /api/v1/ by portal/api/urls.py."""

from django.urls import path

from complaints import api

complaint_list = api.ComplaintViewSet.as_view({"get": "list"})
complaint_detail = api.ComplaintViewSet.as_view({"get": "retrieve"})

urlpatterns: list = [
    path("complaints/", complaint_list, name="complaint-list"),
    path("complaints/12345/", api.HotlineTicketView.as_view(), name="complaint-12345"),
    path("complaints/analytics/", api.AnalyticsView.as_view(), name="complaint-analytics"),
    path("complaints/<str:number>/", complaint_detail, name="complaint-detail"),
]
