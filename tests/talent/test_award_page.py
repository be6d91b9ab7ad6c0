"""The award pages: irreversible steps ask first; the ranking speaks one language."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from talent.models import AwardRound, ReviewScore
from talent.services.awards import award_winners_confirm, review_scores_save

pytestmark = pytest.mark.django_db


def test_closing_nominations_and_confirming_winners_ask_first(client, admin_user, make_category):
    category = make_category()
    client.force_login(admin_user)
    page = client.get(reverse("talent:award_category", args=[category.pk])).content.decode()
    assert 'data-confirm="获奖人确定后不能更改。确定提交？"' in page
    assert 'name="no_winner" value="1"' in page and 'name="reason"' in page
    category.round.state = AwardRound.State.NOMINATING
    category.round.save()
    page = client.get(reverse("talent:award_round", args=[category.round.pk])).content.decode()
    assert 'data-confirm="截止提名后不能再添加提名，评审专家开始评分。确定截止？"' in page


def test_the_english_ranking_calls_the_mean_a_score(client, admin_user, make_category):
    category = make_category()
    client.force_login(admin_user)
    url = reverse("talent:award_category", args=[category.pk])
    page = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert '<th class="num">Score</th>' in page
    assert "Earned" not in page and "得分" not in page


def score_inputs(page, nominations):
    """Return each score input's value, whether it is marked invalid and the message said
    under its row, by nominee."""
    rows = {}
    for nomination in nominations:
        field = page.split(f'id="score-{nomination.pk}"')[1].split(">")[0]
        value = field.split('value="')[1].split('"')[0]
        error = page.split(f'id="score-{nomination.pk}-error">')
        rows[nomination.nominee] = (
            value,
            'aria-invalid="true"' in field,
            error[1].split("<")[0] if len(error) > 1 else None,
        )
    return rows


def test_bad_scores_are_marked_in_their_rows_and_every_typed_value_stays(
    client, make_user, make_category
):
    expert = make_user("expert1")
    category = make_category(reviewers=[expert])
    a, b, c = category.nominations.order_by("pk")
    client.force_login(expert)
    url = reverse("talent:award_score", args=[category.pk])
    typed = {f"score-{a.pk}": "105", f"score-{b.pk}": "abc", f"score-{c.pk}": "88.5"}
    response = client.post(url, typed, headers={"accept-language": "en"})
    assert response.status_code == 200
    page = response.content.decode()
    assert score_inputs(page, (a, b, c)) == {
        "甲": ("105", True, "The score “105” for 甲 is invalid: enter a number from 0 to 100."),
        "乙": ("abc", True, "The score “abc” for 乙 is invalid: enter a number from 0 to 100."),
        "丙": ("88.5", False, None),
    }
    messages = page.split('<ul class="messages">')[1].split("</ul>")[0]
    assert messages.count("<li") == 1
    assert (
        "2 scores are invalid, so none were saved; correct the marked scores and save again."
        in messages
    )
    assert not ReviewScore.objects.exists()
    page = client.post(
        url, {**typed, f"score-{b.pk}": "90"}, headers={"accept-language": "en"}
    ).content.decode()
    assert "1 score is invalid, so none were saved; correct the marked score and save again." in (
        page
    )
    response = client.post(url, {f"score-{a.pk}": "95"}, headers={"accept-language": "en"})
    page = client.get(response.url, headers={"accept-language": "en"}).content.decode()
    assert "1 score saved." in page
    assert score_inputs(page, (a,))["甲"] == ("95.00", False, None)


@pytest.mark.parametrize(
    ("state", "confirmed", "shown"),
    [
        (AwardRound.State.NOMINATING, False, "Nominating"),
        (AwardRound.State.REVIEWING, True, "Winners confirmed"),
        (AwardRound.State.CLOSED, True, "Winners confirmed"),
    ],
)
def test_a_reviewer_is_offered_to_score_only_while_the_category_takes_scores(
    client, make_user, make_category, state, confirmed, shown
):
    expert = make_user("expert1")
    category = make_category(reviewers=[expert])
    client.force_login(expert)
    score_button = f'href="{reverse("talent:award_score", args=[category.pk])}"'
    page = client.get(reverse("talent:award_rounds"), headers={"accept-language": "en"})
    assert score_button in page.content.decode()
    category.round.state = state
    category.round.save()
    if confirmed:
        category.confirmed_at = timezone.now()
        category.save()
    page = client.get(reverse("talent:award_rounds"), headers={"accept-language": "en"})
    text = page.content.decode()
    assert score_button not in text
    assert f'<span class="muted">{shown}</span>' in text


def test_the_round_page_scrolls_its_table_and_counts_winners(client, admin_user, make_category):
    category = make_category()
    client.force_login(admin_user)
    page = client.get(
        reverse("talent:award_round", args=[category.round.pk]), headers={"accept-language": "en"}
    ).content.decode()
    assert '<div class="table-wrap">\n<table class="data" id="categories">' in page
    assert '<th class="num">Winners</th>' in page


def test_the_winner_question_is_asked_only_when_something_is_chosen(
    client, admin_user, make_category
):
    # The page's script drops the question while nothing is ticked (tests/browser check it
    # in Chromium); without a script the server refuses an empty choice and says what to do.
    category = make_category()
    client.force_login(admin_user)
    url = reverse("talent:award_category", args=[category.pk])
    page = client.get(url).content.decode()
    assert "input[name=winner]:checked, input[name=no_winner]:checked" in page
    response = client.post(url, {"reason": ""}, follow=True)
    assert "请勾选获奖人；本奖项不评出获奖人时，请勾选“本奖项空缺”。" in response.content.decode()


def test_a_leader_on_the_panel_reads_no_other_scores_until_the_winners_are_confirmed(
    client, admin_user, leader, make_user, make_category
):
    expert = make_user("expert1")
    category = make_category(quota=1, reviewers=[expert, leader])
    other = make_category(name="优秀企业家", reviewers=[expert])
    a, b, c = category.nominations.order_by("pk")
    review_scores_save(
        category=category, reviewer=expert, scores={a.pk: "91.5", b.pk: "62", c.pk: "70"}
    )
    url = reverse("talent:award_category", args=[category.pk])
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert "91.50" not in page and 'id="ranking"' not in page
    assert "获奖人确定前，这里不显示各位专家的评分和排名" in page
    # A category the leader does not review reads as to every reader.
    other_page = client.get(reverse("talent:award_category", args=[other.pk])).content.decode()
    assert 'id="ranking"' in other_page
    # The office, which runs the award, reads the panel's scores meanwhile.
    client.force_login(admin_user)
    assert "91.50" in client.get(url).content.decode()
    review_scores_save(
        category=category, reviewer=leader, scores={a.pk: "90", b.pk: "60", c.pk: "65"}
    )
    award_winners_confirm(category=category, nomination_ids=[a.pk], by=admin_user)
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert "91.50" in page and "获奖人确定前" not in page


def test_a_refused_decision_keeps_the_ticked_winners_and_the_typed_reason(
    client, admin_user, make_user, make_category
):
    experts = [make_user("expert1"), make_user("expert2")]
    category = make_category(quota=2, reviewers=experts)
    a, b, c = category.nominations.order_by("pk")
    review_scores_save(
        category=category, reviewer=experts[0], scores={a.pk: "90", b.pk: "80", c.pk: "70"}
    )
    review_scores_save(category=category, reviewer=experts[1], scores={a.pk: "88", b.pk: "82"})
    client.force_login(admin_user)
    url = reverse("talent:award_category", args=[category.pk])
    reason = "乙的事迹材料经核查不实"
    page = client.post(url, {"winner": [a.pk, c.pk], "reason": reason}).content.decode()
    assert "评审尚未完成，不能确定获奖人。" in page and "expert2 尚未评分：丙" in page
    assert f'value="{a.pk}" aria-label="甲" checked>' in page
    assert f'value="{b.pk}" aria-label="乙">' in page
    assert f'value="{c.pk}" aria-label="丙" checked>' in page
    assert f">{reason}</textarea>" in page
    page = client.post(url, {"no_winner": "1", "winner": [a.pk]}).content.decode()
    assert "勾选了获奖人，又选择了“本奖项空缺”，请只选其一。" in page
    assert 'name="no_winner" value="1" checked>' in page


def test_the_round_page_adds_up_the_prize_money_its_categories_pay(
    client, leader, admin_user, make_user, make_category
):
    expert = make_user("expert1")
    leading = make_category(quota=2, reviewers=[expert])
    make_category(name="优秀企业家", quota=3, reviewers=[expert])
    a, b, c = leading.nominations.order_by("pk")
    review_scores_save(
        category=leading, reviewer=expert, scores={a.pk: "90", b.pk: "80", c.pk: "70"}
    )
    award_winners_confirm(category=leading, nomination_ids=[a.pk, b.pk], by=admin_user)
    client.force_login(leader)
    page = client.get(reverse("talent:award_round", args=[leading.round.pk])).content.decode()
    # Each category pays 100,000.00 a winner: five places, two winners confirmed.
    assert "各奖项名额用满时奖金共 500,000.00 元；已确定的获奖人奖金共 200,000.00 元。" in page
    rows = page.split('id="categories"')[1].split("</tbody>")[0].split("<tr>")
    assert '<td class="num">200,000.00</td>' in rows[2] and "已确定获奖人" in rows[2]
    assert '<td class="num">—</td>' in rows[3]
    category_page = client.get(reverse("talent:award_category", args=[leading.pk]))
    assert "奖金合计 200,000.00 元" in category_page.content.decode()


def test_the_ranking_shows_which_scores_were_dropped_and_who_confirmed_the_winners(
    client, admin_user, make_user, make_category
):
    panel = [make_user(f"expert{number}") for number in range(1, 6)]
    category = make_category(quota=1, nominees=["甲"], reviewers=panel)
    nomination = category.nominations.get()
    for reviewer, score in zip(panel, ["70", "95", "80", "60", "85"], strict=True):
        review_scores_save(category=category, reviewer=reviewer, scores={nomination.pk: score})
    client.force_login(admin_user)
    url = reverse("talent:award_category", args=[category.pk])
    page = client.get(url).content.decode()
    dropped = '<s title="去掉的最高分或最低分，不计入得分">'
    scores = f"{dropped}95.00</s> · 85.00 · 80.00 · 70.00 · {dropped}60.00</s>"
    assert f'<td class="muted scores">{scores}</td>' in page
    # (85 + 80 + 70) / 3
    assert "<strong>78.33</strong>" in page
    client.post(url, {"winner": [nomination.pk]})
    page = client.get(url).content.decode()
    assert "获奖人由 office 于 " in page and " 确定，奖金合计 100,000.00 元。" in page


def test_a_mistyped_nomination_is_withdrawn_while_the_round_takes_nominations(
    client, admin_user, leader, make_category
):
    category = make_category(nominees=["甲", "张三丰（错）"])
    category.round.state = AwardRound.State.NOMINATING
    category.round.save()
    wrong = category.nominations.get(nominee="张三丰（错）")
    url = reverse("talent:award_nomination_withdraw", args=[wrong.pk])
    page_url = reverse("talent:award_category", args=[category.pk])
    client.force_login(leader)
    assert "撤回提名" not in client.get(page_url).content.decode()
    assert client.post(url).status_code == 403
    client.force_login(admin_user)
    assert f'formaction="{url}"' in client.get(page_url).content.decode()
    page = client.post(url, follow=True).content.decode()
    assert "已撤回提名：张三丰（错）（某公司）。如需更正，请重新提名。" in page
    assert list(category.nominations.values_list("nominee", flat=True)) == ["甲"]
    # Once the review starts the nominations are scored and stay.
    category.round.state = AwardRound.State.REVIEWING
    category.round.save()
    kept = category.nominations.get()
    page = client.post(
        reverse("talent:award_nomination_withdraw", args=[kept.pk]), follow=True
    ).content.decode()
    assert f"“{category.round.name}”已截止提名，提名不能再撤回。" in page
    assert "撤回提名</button>" not in page
    assert category.nominations.count() == 1


def test_the_nomination_form_names_categories_without_a_year_and_asks_for_one(
    client, admin_user, make_category
):
    """A 2025—2026年度 round listed its categories as 2026 领军人才, as if of another year, and
    offered --------- for none chosen."""
    category = make_category()
    make_category(name="优秀企业家")
    category.round.state = AwardRound.State.NOMINATING
    category.round.save()
    client.force_login(admin_user)
    page = client.get(reverse("talent:award_round", args=[category.round.pk])).content.decode()
    select = page.split('name="category"')[1].split("</select>")[0]
    options = re.findall(r"<option[^>]*>(.*?)</option>", select)
    assert options == ["请选择…", "领军人才", "优秀企业家"]
