from django.urls import path

from scoring.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("distance/", views.distance, name="distance"),
    path("compare/", views.compare, name="compare"),
    path("whatif/", views.whatif, name="whatif"),
    path("officials/", views.officials, name="officials"),
    path("officials/export/", views.officials_export, name="officials_export"),
    path("official/<code:code>/", views.official_detail, name="official"),
    path("export/", views.export, name="export"),
    path("unit/<code:code>/", views.unit_detail, name="unit"),
]
