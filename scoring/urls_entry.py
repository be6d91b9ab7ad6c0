from django.urls import path

from scoring import views_entry

app_name = "entry"
urlpatterns = [
    path("", views_entry.grid, name="grid"),
    path("votes/", views_entry.votes, name="votes"),
    path("adjustments/", views_entry.adjustments, name="adjustments"),
    path("cycles/", views_entry.cycles, name="cycles"),
    path("cycles/<int:pk>/move/", views_entry.cycle_move, name="cycle_move"),
    path(
        "cycles/<int:pk>/quarters/<str:quarter>/move/",
        views_entry.cycle_move,
        name="quarter_move",
    ),
    path("units/<code:code>/history/", views_entry.unit_history, name="unit_history"),
    path("verify/", views_entry.verify, name="verify"),
    path("verify/verified/", views_entry.verified, name="verified"),
    path("verify/runs/<int:pk>/resume/", views_entry.verify_run_resume, name="verify_run_resume"),
    path(
        "verify/runs/<int:pk>/discard/", views_entry.verify_run_discard, name="verify_run_discard"
    ),
]
