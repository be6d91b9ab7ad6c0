"""Numbers typed with a Chinese input method (０．３, １２) in the admin's forms and ours: every
decimal and count a clerk types is a text input that the server reads as the grid reads its
cells, where a number input would have dropped the full-width digits in the browser."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.forms import NumberInput
from django.test import RequestFactory

from cadre.models import UnitCategory
from scoring.models import Cycle, Indicator, Vote
from talent.models import Programme, StarNode, StarTree, TalentTarget
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db


def test_no_admin_form_a_clerk_fills_in_offers_a_number_input(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    number_inputs = []
    for model_admin in admin.site._registry.values():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # computed rows, only shown
        form_classes = [model_admin.get_form(request)]
        form_classes += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form_class in form_classes:
            for name, field in form_class.base_fields.items():
                if isinstance(field.widget, NumberInput):
                    number_inputs.append(f"{form_class._meta.model.__name__}.{name}")

    assert number_inputs == []


def test_cycle_settings_typed_full_width_are_saved(admin_client, cycle):
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"
    typed = {
        "weight_q1": "０．１",
        "weight_q2": "０。２",
        "weight_q3": " ０．３ ",
        "weight_q4": "０．４",
        "bonus_cap": "６０",
        "excellent_min": "９２０",
        "alpha_principal": "０．８",
        "star_share": "０．７５",
    }

    response = admin_client.post(url, {**change_form_data(admin_client, url), **typed})

    assert response.status_code == 302
    cycle.refresh_from_db()
    assert [cycle.weight_q1, cycle.weight_q2, cycle.weight_q3, cycle.weight_q4] == [
        Decimal("0.1"),
        Decimal("0.2"),
        Decimal("0.3"),
        Decimal("0.4"),
    ]
    assert (cycle.bonus_cap, cycle.excellent_min) == (Decimal(60), Decimal(920))
    assert (cycle.alpha_principal, cycle.star_share) == (Decimal("0.8"), Decimal("0.75"))


def test_a_cycle_setting_that_is_no_number_is_refused_in_words(admin_client, cycle):
    url = f"/admin/scoring/cycle/{cycle.pk}/change/"

    response = admin_client.post(url, {**change_form_data(admin_client, url), "bonus_cap": "6O"})

    assert response.context["adminform"].form.errors["bonus_cap"] == ["应为数字，实为“6O”"]
    cycle.refresh_from_db()
    assert cycle.bonus_cap == Decimal(50)


def test_an_indicators_figures_typed_full_width_are_saved(admin_client, cycle):
    response = admin_client.post(
        "/admin/scoring/indicator/add/",
        {
            "cycle": cycle.pk,
            "code": "A1",
            "name": "招商引资",
            "method": "completion",
            "frequency": "quarterly",
            "max_points": "３０",
            "target": "１，２００",
            "floor": "０．５",
            "cap": "１．２",
            "min_share": "０",
            "sort_order": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    indicator = Indicator.objects.get()
    assert (indicator.max_points, indicator.target) == (Decimal(30), Decimal(1200))
    assert (indicator.floor, indicator.cap) == (Decimal("0.5"), Decimal("1.2"))


def test_vote_counts_typed_full_width_in_the_admin_are_saved_and_a_fraction_refused(
    admin_client, cycle, unit, make_indicator
):
    indicator = make_indicator("MZ", "100", method="evaluation")
    group = cycle.rater_groups.create(code="LD", name="区领导", weight=Decimal(1))
    form = {
        "unit": unit.pk,
        "indicator": indicator.pk,
        "period": "Q1",
        "rater_group": group.pk,
        "excellent": "１２",
        "competent": "３",
        "basic": "0",
        "incompetent": "0",
    }

    refused = admin_client.post("/admin/scoring/vote/add/", {**form, "competent": "2.5"})
    assert "competent" in refused.context["adminform"].form.errors
    assert not Vote.objects.exists()

    response = admin_client.post("/admin/scoring/vote/add/", form)
    assert response.status_code == 302
    assert (Vote.objects.get().excellent, Vote.objects.get().competent) == (12, 3)


def test_a_talent_target_typed_full_width_is_saved(admin_client):
    programme = Programme.objects.create(code="QR", name="千人计划")

    response = admin_client.post(
        "/admin/talent/talenttarget/add/",
        {"year": "２０２６", "programme": programme.pk, "target": "１０"},
    )

    assert response.status_code == 302
    assert (TalentTarget.objects.get().year, TalentTarget.objects.get().target) == (2026, 10)


def test_a_year_typed_full_width_is_saved_and_one_in_chinese_numerals_refused(admin_client):
    url = "/admin/scoring/cycle/add/"
    form = change_form_data(admin_client, url)

    refused = admin_client.post(url, {**form, "year": "二〇二七"})
    assert refused.context["adminform"].form.errors["year"] == ["应为数字，实为“二〇二七”"]
    too_early = admin_client.post(url, {**form, "year": "1999"})
    assert too_early.context["adminform"].form.errors["year"] == ["应不早于 2000 年"]
    assert not Cycle.objects.exists()

    response = admin_client.post(url, {**form, "year": "２０２７"})
    assert response.status_code == 302
    assert Cycle.objects.get().year == 2027


def test_a_sort_order_typed_full_width_is_saved(admin_client):
    response = admin_client.post(
        "/admin/cadre/unitcategory/add/", {"code": "ZJ", "name": "镇街", "sort_order": "１２"}
    )

    assert response.status_code == 302
    assert UnitCategory.objects.get().sort_order == 12


def test_a_star_level_typed_full_width_is_saved_within_0_to_10(admin_client):
    tree = StarTree.objects.create(name="星级树", year=2026)
    url = "/admin/talent/starnode/add/"
    form = {"tree": tree.pk, "code": "C1", "name": "城关社区党委", "level": "committee"}

    over = admin_client.post(url, {**form, "stars": "１１"})
    assert over.context["adminform"].form.errors["stars"] == ["记录星级应在 0 到 10 之间。"]
    assert not StarNode.objects.exists()

    response = admin_client.post(url, {**form, "stars": "１０"})
    assert response.status_code == 302
    assert StarNode.objects.get().stars == 10
