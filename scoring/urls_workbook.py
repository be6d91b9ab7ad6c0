from django.urls import path

from scoring import views_workbook

app_name = "workbook"

urlpatterns = [
    path("", views_workbook.workbook_index, name="index"),
    path("blank.xlsx", views_workbook.workbook_blank_download, name="blank"),
    path("<int:year>.xlsx", views_workbook.workbook_download, name="download"),
    path("imports/<int:pk>/", views_workbook.workbook_record, name="record"),
    path(
        "imports/<int:pk>/progress/",
        views_workbook.workbook_record_progress,
        name="record_progress",
    ),
    path(
        "imports/<int:pk>/confirm/", views_workbook.workbook_record_confirm, name="record_confirm"
    ),
    path("imports/<int:pk>/retry/", views_workbook.workbook_record_retry, name="record_retry"),
    path(
        "imports/<int:pk>/discard/", views_workbook.workbook_record_discard, name="record_discard"
    ),
]
