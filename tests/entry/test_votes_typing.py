"""Vote counts are typed into text inputs and read on the server as the grid reads its cells:
full-width digits, stray spaces and thousands separators are taken; a fraction, a negative
count or a comma that separates no thousands is refused by unit, rater group and column, and
nothing of the page is saved."""

import pytest

from scoring.models import Vote
from tests.entry.test_votes_page import vote_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaders(open_cycle):
    return open_cycle.rater_groups.get(code="LD")


def test_counts_are_text_inputs_that_bring_up_a_numeric_keypad(client, votes_url):
    page = client.get(votes_url).content.decode()
    assert 'type="number"' not in page
    assert page.count('type="text"') == 4
    assert page.count('inputmode="numeric"') == 4


def test_full_width_digits_stray_spaces_and_thousands_separators_are_read(
    client, votes_url, leaders
):
    response = client.post(votes_url, vote_row(leaders, ["１２", " 3 ", "1,234", "０"]))
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert (vote.excellent, vote.competent, vote.basic, vote.incompetent) == (12, 3, 1234, 0)


@pytest.mark.parametrize(
    "typed, problem",
    [
        ("12.5", "应为整数，实为 12.5"),
        ("-1", "不能小于 0，实为 -1"),
        ("1,5", "逗号只能用来分隔千位，如 1,234；小数请用小数点，如 1.5"),
        ("十二", "应为数字，实为“十二”"),
    ],
)
def test_a_count_that_is_no_whole_number_is_refused_naming_where(
    client, votes_url, unit, leaders, typed, problem
):
    response = client.post(votes_url, vote_row(leaders, ["10", typed, "0", "0"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"票数有误，未保存：{unit.name} · 区领导 · 称职：{problem}" in page
    assert f"称职：{problem}</div>" in page, "the row says it beside its counts"
    assert 'class="num bad"' in page
    assert f'value="{typed}"' in page, "what was typed is shown again"
    assert not Vote.objects.exists()
