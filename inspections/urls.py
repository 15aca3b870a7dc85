from django.urls import path

from inspections import views, views_office

app_name = "inspections"
urlpatterns = [
    path("inspections/results/", views.public_results, name="public_results"),
    path("inspections/results/<int:year>/", views.public_results, name="public_results_year"),
    path("office/inspections/rounds/", views.round_list, name="round_list"),
    path("office/inspections/rounds/new/", views.round_new, name="round_new"),
    path("office/inspections/rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("office/inspections/rounds/<int:pk>/groups/", views.round_group, name="round_group"),
    path("office/inspections/rounds/<int:pk>/<slug:verb>/", views.round_action,
         name="round_action"),
    path("office/inspections/annual/<int:pk>/", views.annual_detail, name="annual_detail"),
    path("office/inspections/annual/<int:pk>/move/", views.annual_move, name="annual_move"),
    path("office/inspections/sw.js", views.service_worker, name="service_worker"),
    path("office/inspections/manifest.webmanifest", views.manifest, name="manifest"),
    path("office/inspections/daily/", views.daily_list, name="daily_list"),
    path("office/inspections/daily/new/", views.daily_new, name="daily_new"),
    path("office/inspections/daily/<int:pk>/", views.daily_detail, name="daily_detail"),
    path("office/inspections/draws/new/", views.draw_new, name="draw_new"),
    path("office/inspections/draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("office/inspections/orders/", views.order_list, name="order_list"),
    path("office/inspections/orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("office/inspections/orders/<int:pk>/<slug:verb>/", views.order_action,
         name="order_action"),
    path("office/inspections/zombies/", views.zombie_list, name="zombie_list"),
    path("office/inspections/zombies/<int:pk>/", views.zombie_detail, name="zombie_detail"),
    path("office/inspections/enforcement/", views.enforcement_list, name="enforcement_list"),
    path("office/inspections/enforcement/new/", views.enforcement_new, name="enforcement_new"),
    path("office/inspections/enforcement/<int:pk>/", views.enforcement_detail,
         name="enforcement_detail"),
    path("office/inspections/planner/", views.planner_page, name="planner"),
    path("office/inspections/blacklist/", views.blacklist_list, name="blacklist_list"),
    path("office/inspections/blacklist/new/", views.blacklist_new, name="blacklist_new"),
    path("office/inspections/blacklist/<int:pk>/", views.blacklist_detail,
         name="blacklist_detail"),
    path("office/inspections/blacklist/<int:pk>/<slug:verb>/", views.blacklist_action,
         name="blacklist_action"),
    path("office/inspections/credit/", views.credit_export, name="credit_export"),
    path("office/inspections/credit/<slug:system>.<slug:fmt>", views.credit_download,
         name="credit_download"),
]

# Analytics, list exports and stop orders (inspections.views_office).
urlpatterns += [
    path("office/inspections/analytics/", views_office.analytics_page, name="analytics"),
    path("office/inspections/export/<slug:name>.xlsx", views_office.list_export,
         name="list_export"),
    path("office/inspections/stop-orders/", views_office.stop_list, name="stop_list"),
    path("office/inspections/stop-orders/new/", views_office.stop_new, name="stop_new"),
    path("office/inspections/stop-orders/<int:pk>/", views_office.stop_detail,
         name="stop_detail"),
]
