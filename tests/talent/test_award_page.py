"""The award pages: irreversible steps ask first; the ranking speaks one language."""

import pytest
from django.urls import reverse

from talent.models import AwardRound

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
