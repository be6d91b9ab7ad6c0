from django.urls import path

from talent import views

app_name = "talent"

urlpatterns = [
    path("", views.progress, name="progress"),
    path("registry/", views.registry, name="registry"),
    path("registry/export.xlsx", views.registry_export, name="registry_export"),
    path("registry/new/", views.talent_create, name="talent_create"),
    path("registry/<int:pk>/", views.talent_detail, name="talent"),
    path("awards/", views.award_rounds, name="award_rounds"),
    path("awards/<int:pk>/", views.award_round, name="award_round"),
    path("awards/<int:pk>/export.xlsx", views.award_round_export, name="award_round_export"),
    path("awards/category/<int:pk>/", views.award_category, name="award_category"),
    path("awards/category/<int:pk>/score/", views.award_score, name="award_score"),
    path(
        "awards/nomination/<int:pk>/withdraw/",
        views.award_nomination_withdraw,
        name="award_nomination_withdraw",
    ),
    path("subsidies/", views.subsidies, name="subsidies"),
    path("subsidies/export.xlsx", views.subsidies_export, name="subsidies_export"),
    path("subsidies/new/", views.subsidy_create, name="subsidy_create"),
    path("subsidies/<int:pk>/decide/", views.subsidy_decide, name="subsidy_decide"),
    path("star/", views.star_trees, name="star_trees"),
    path("star/<int:pk>/", views.star_tree, name="star_tree"),
    path("star/<int:pk>/certify/", views.star_certify, name="star_certify"),
    path("star/<int:pk>/export.xlsx", views.star_export, name="star_export"),
    path("star/<int:pk>/import/", views.star_import, name="star_import"),
]
