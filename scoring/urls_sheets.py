from django.urls import path

from scoring import views_sheets

app_name = "sheets"

urlpatterns = [
    path("", views_sheets.sheet_index, name="index"),
    path("template/<int:year>/<str:period>.xlsx", views_sheets.sheet_template, name="template"),
    path(
        "votes-template/<int:year>/<str:period>.xlsx",
        views_sheets.sheet_template,
        {"votes": True},
        name="vote_template",
    ),
    path("imports/<int:pk>/", views_sheets.sheet_record, name="record"),
    path("imports/<int:pk>/progress/", views_sheets.sheet_record_progress, name="record_progress"),
    path("imports/<int:pk>/confirm/", views_sheets.sheet_record_confirm, name="record_confirm"),
    path("imports/<int:pk>/retry/", views_sheets.sheet_record_retry, name="record_retry"),
    path("imports/<int:pk>/discard/", views_sheets.sheet_record_discard, name="record_discard"),
]
