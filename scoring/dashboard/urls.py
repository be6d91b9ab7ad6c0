from django.urls import path

from scoring.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("distance/", views.distance, name="distance"),
    path("compare/", views.compare, name="compare"),
    path("whatif/", views.whatif, name="whatif"),
    path("officials/", views.officials, name="officials"),
    path("export/", views.export, name="export"),
    path("unit/<str:code>/", views.unit_detail, name="unit"),
]
