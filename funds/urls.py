from django.urls import path

from funds import views

app_name = "funds"
urlpatterns = [
    path("funds/order/", views.parent_order, name="parent_order"),
    path("office/funds/", views.overview, name="overview"),
    path("office/funds/import/", views.statement_import, name="statement_import"),
    path("office/funds/orders/<str:number>/", views.order_detail, name="order_detail"),
    path("office/funds/warnings/", views.warning_list, name="warnings"),
    path("office/funds/refunds/", views.refund_list, name="refunds"),
    path("office/funds/warnings/<int:pk>/", views.warning_detail, name="warning_detail"),
    path("office/funds/risk-ledger/", views.risk_ledger, name="risk_ledger"),
    path("office/funds/risk-ledger/<int:pk>/", views.risk_plan, name="risk_plan"),
    path("office/funds/<str:uscc>/", views.institution_funds, name="institution"),
    path("office/funds/<str:uscc>/arrangement/", views.arrangement, name="arrangement"),
    path("office/funds/<str:uscc>/ledger/", views.ledger, name="ledger"),
    path("office/funds/<str:uscc>/guarantee/", views.guarantee, name="guarantee"),
    path("office/funds/<str:uscc>/self-inspections/", views.self_inspections,
         name="self_inspections"),
    path("office/funds/<str:uscc>/self-inspections/<int:pk>/file/", views.self_inspection_file,
         name="self_inspection_file"),
    path("office/funds/<str:uscc>/spot-checks/", views.spot_checks, name="spot_checks"),
]
