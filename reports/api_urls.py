"""The app's REST routes, included under /api/v1/ by portal/api/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
