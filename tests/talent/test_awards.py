import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from talent.models import AwardCategory, AwardRound, Nomination, ReviewScore
from talent.services.awards import (
    award_category_open,
    award_nominate,
    award_ranking,
    award_round_start_review,
    award_score_mean,
    award_winners_confirm,
    review_scores_save,
)

pytestmark = pytest.mark.django_db


def scores(*values):
    return [Decimal(value) for value in values]


@pytest.mark.parametrize(
    ("given", "mean"),
    [
        (scores(), None),
        (scores("80"), Decimal("80.00")),
        # Four reviewers: nothing is dropped.
        (scores("60", "70", "80", "100"), Decimal("77.50")),
        # Five reviewers: 99 and 50 are dropped, (80 + 81 + 82) / 3 = 81.
        (scores("99", "80", "50", "81", "82"), Decimal("81.00")),
        # Only one of two equal highest scores is dropped.
        (scores("90", "90", "70", "80", "60"), Decimal("80.00")),
        # 245 / 3 = 81.666… rounds half up to 81.67.
        (scores("100", "81", "82", "82", "10"), Decimal("81.67")),
        (scores("80.005", "80", "80", "80.005", "0"), Decimal("80.00")),
    ],
)
def test_the_score_is_the_mean_of_the_middle_scores(given, mean):
    assert award_score_mean(scores=given) == mean


@pytest.fixture
def panel(make_user):
    return [make_user(f"expert{number}") for number in range(1, 6)]


def score_all(category, panel, table):
    """table: nominee → the five reviewers' scores."""
    ids = {n.nominee: n.pk for n in category.nominations.all()}
    for index, reviewer in enumerate(panel):
        review_scores_save(
            category=category,
            reviewer=reviewer,
            scores={ids[name]: str(row[index]) for name, row in table.items()},
        )


def test_the_ranking_shares_places_on_equal_means_and_puts_unscored_last(make_category, panel):
    category = make_category(nominees=("甲", "乙", "丙", "丁", "戊"), reviewers=panel)
    score_all(
        category,
        panel,
        {
            "甲": [70, 70, 70, 70, 70],
            "乙": [90, 85, 85, 85, 10],  # trimmed mean 85
            "丙": [85, 85, 85, 99, 0],  # trimmed mean 85 too
            "丁": [80, 80, 80, 80, 80],
        },
    )
    ranking = award_ranking(category=category)
    assert [(r.nomination.nominee, r.rank, r.mean) for r in ranking] == [
        ("乙", 1, Decimal("85.00")),
        ("丙", 1, Decimal("85.00")),
        ("丁", 3, Decimal("80.00")),
        ("甲", 4, Decimal("70.00")),
        ("戊", None, None),
    ]


def test_a_reviewer_only_scores_the_categories_assigned_to_them(make_category, panel):
    mine = make_category(name="领军人才", reviewers=panel[:1])
    other = make_category(name="优秀企业家", reviewers=panel[1:])
    nominee = other.nominations.first()
    with pytest.raises(PermissionDenied, match="不是“2026 优秀企业家”的评审专家"):
        review_scores_save(category=other, reviewer=panel[0], scores={nominee.pk: "90"})
    # Nor by passing another category's nomination through their own category.
    with pytest.raises(ValidationError, match="不属于该奖项"):
        review_scores_save(category=mine, reviewer=panel[0], scores={nominee.pk: "90"})
    assert not ReviewScore.objects.exists()


def test_every_bad_score_is_named_and_nothing_is_saved(make_category, panel):
    category = make_category(reviewers=panel)
    a, b, c = category.nominations.all()
    with pytest.raises(ValidationError) as error:
        review_scores_save(
            category=category, reviewer=panel[0], scores={a.pk: "101", b.pk: "九十", c.pk: "88"}
        )
    assert error.value.messages == [
        "甲 的评分“101”无效：应为 0 至 100 之间的数。",
        "乙 的评分“九十”无效：应为 0 至 100 之间的数。",
    ]
    assert not ReviewScore.objects.exists()


def test_a_reviewer_changes_and_clears_their_scores(make_category, panel):
    category = make_category(reviewers=panel)
    a, b, _c = category.nominations.all()
    review_scores_save(category=category, reviewer=panel[0], scores={a.pk: "80", b.pk: "70"})
    review_scores_save(category=category, reviewer=panel[0], scores={a.pk: "85.5", b.pk: ""})
    assert list(ReviewScore.objects.values_list("nomination__nominee", "score")) == [
        ("甲", Decimal("85.50"))
    ]


def test_winners_are_confirmed_within_the_quota_and_close_the_round(
    make_category, panel, admin_user
):
    category = make_category(quota=2, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [80] * 5, "丙": [70] * 5})
    ids = [row.nomination.pk for row in award_ranking(category=category)]
    with pytest.raises(ValidationError, match="名额 2 人，选择了 3 人"):
        award_winners_confirm(category=category, nomination_ids=ids, by=admin_user)
    award_winners_confirm(category=category, nomination_ids=ids[:2], by=admin_user)
    assert list(Nomination.objects.filter(is_winner=True).values_list("nominee", flat=True)) == [
        "甲",
        "乙",
    ]
    category.round.refresh_from_db()
    assert category.round.state == AwardRound.State.CLOSED
    with pytest.raises(ValidationError):
        award_winners_confirm(category=category, nomination_ids=ids[2:], by=admin_user)


def test_an_unscored_nomination_cannot_win(make_category, panel, admin_user):
    category = make_category(quota=2, reviewers=panel)
    unscored = category.nominations.first()
    with pytest.raises(ValidationError, match="尚未评分"):
        award_winners_confirm(category=category, nomination_ids=[unscored.pk], by=admin_user)


def test_nominations_close_when_the_review_starts(make_category):
    category = make_category()
    with pytest.raises(ValidationError, match="已截止提名"):
        award_nominate(category=category, nominee="新人", employer="某公司")
    category.round.state = AwardRound.State.NOMINATING
    category.round.save()
    award_nominate(category=category, nominee="新人", employer="某公司")
    assert category.nominations.count() == 4


def test_a_scored_nomination_of_another_category_cannot_win(make_category, panel, admin_user):
    category = make_category(quota=2, reviewers=panel)
    other = make_category(name="优秀企业家", reviewers=panel)
    score_all(other, panel, {"甲": [90] * 5})
    stranger = other.nominations.get(nominee="甲")
    with pytest.raises(ValidationError, match="尚未评分"):
        award_winners_confirm(category=category, nomination_ids=[stranger.pk], by=admin_user)


def test_a_category_is_open_while_its_round_is_reviewed_and_its_winners_unconfirmed(
    make_category,
):
    category = make_category()
    assert award_category_open(category=category)
    category.round.state = AwardRound.State.NOMINATING
    assert not award_category_open(category=category)
    category.round.state = AwardRound.State.REVIEWING
    category.confirmed_at = timezone.now()
    assert not award_category_open(category=category)


def _ids(category):
    return {n.nominee: n.pk for n in category.nominations.all()}


def test_winners_wait_until_every_reviewer_has_scored_every_nominee(
    make_category, panel, admin_user
):
    category = make_category(quota=1, reviewers=panel)
    score_all(category, panel[:4], {"甲": [90] * 4, "乙": [80] * 4, "丙": [70] * 4})
    review_scores_save(category=category, reviewer=panel[4], scores={_ids(category)["甲"]: "90"})
    with pytest.raises(ValidationError) as error:
        award_winners_confirm(
            category=category, nomination_ids=[_ids(category)["甲"]], by=admin_user
        )
    assert error.value.messages == ["评审尚未完成，不能确定获奖人。", "expert5 尚未评分：乙、丙"]
    assert not Nomination.objects.filter(is_winner=True).exists()


def test_no_winner_is_an_explicit_choice_with_a_reason(make_category, panel, admin_user):
    category = make_category(quota=1, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [80] * 5, "丙": [70] * 5})
    with pytest.raises(ValidationError, match="请勾选获奖人；本奖项不评出获奖人时"):
        award_winners_confirm(category=category, nomination_ids=[], by=admin_user)
    with pytest.raises(ValidationError, match="本奖项空缺须说明理由"):
        award_winners_confirm(category=category, nomination_ids=[], by=admin_user, no_winner=True)
    award_winners_confirm(
        category=category, nomination_ids=[], by=admin_user, no_winner=True, reason="均未达标"
    )
    category.refresh_from_db()
    assert category.confirmed_at is not None
    category.refresh_from_db()
    assert category.decision_reason == "均未达标"


def test_passing_over_a_higher_scored_nominee_needs_a_reason_which_is_kept(
    make_category, panel, admin_user
):
    category = make_category(quota=2, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [80] * 5, "丙": [70] * 5})
    ids = _ids(category)
    with pytest.raises(ValidationError, match="乙 得分不低于所选获奖人，须说明不按排名确定的理由"):
        award_winners_confirm(
            category=category, nomination_ids=[ids["甲"], ids["丙"]], by=admin_user
        )
    award_winners_confirm(
        category=category,
        nomination_ids=[ids["甲"], ids["丙"]],
        by=admin_user,
        reason="乙 已获省级同类奖项",
    )
    category.refresh_from_db()
    assert category.decision_reason == "乙 已获省级同类奖项"


def test_the_top_nominees_win_without_a_reason(make_category, panel, admin_user):
    category = make_category(quota=2, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [80] * 5, "丙": [70] * 5})
    award_winners_confirm(category=category, nomination_ids=[_ids(category)["甲"]], by=admin_user)
    category.refresh_from_db()
    assert category.decision_reason == ""


def test_the_same_person_is_nominated_once_per_round(make_category):
    category = make_category()
    other = make_category(name="优秀专家")
    category.round.state = AwardRound.State.NOMINATING
    category.round.save()
    award_nominate(category=category, nominee="周海洋", employer="蓝海生物")
    with pytest.raises(ValidationError, match="周海洋（蓝海生物）已被提名为“领军人才”"):
        award_nominate(category=category, nominee=" 周海洋", employer="蓝海生物 ")
    # Nominated for a second category, they could win a second prize of the same round.
    with pytest.raises(ValidationError, match="已被提名为“领军人才”，同一评选中每人只能"):
        award_nominate(category=other, nominee="周海洋", employer="蓝海生物")
    assert Nomination.objects.filter(nominee__contains="周海洋").count() == 1
    # Another person of the same name, or the same person in another round, is nominated.
    award_nominate(category=other, nominee="周海洋", employer="区人民医院")
    later = AwardRound.objects.create(name="2027—2028年度优秀人才评选", year=2028)
    award_nominate(
        category=AwardCategory.objects.create(round=later, name="优秀专家", quota=1, prize=1),
        nominee="周海洋",
        employer="蓝海生物",
    )


def test_a_reviewer_taken_off_the_panel_takes_their_scores_along(
    client, leader, make_category, panel
):
    category = make_category(quota=1, reviewers=panel)
    # With all five, 30 and one 90 are dropped: 甲's mean is 80.
    score_all(category, panel, {"甲": [90, 90, 90, 60, 30], "乙": [80] * 5, "丙": [70] * 5})
    category.reviewers.remove(panel[4])
    ranking = award_ranking(category=category)
    assert [(row.nomination.nominee, len(row.scores), row.mean) for row in ranking] == [
        ("甲", 4, Decimal("82.50")),
        ("乙", 4, Decimal("80.00")),
        ("丙", 4, Decimal("70.00")),
    ]
    client.force_login(leader)
    page = client.get(reverse("talent:award_category", args=[category.pk])).content.decode()
    assert '<td class="num">4/4</td>' in page and "5/4" not in page


def test_the_review_waits_for_every_nominated_category_to_have_reviewers(make_category, panel):
    make_category(name="领军人才", reviewers=panel)
    make_category(name="优秀企业家")
    make_category(name="优秀专家", nominees=())  # nobody to review
    award_round = AwardRound.objects.get()
    award_round.state = AwardRound.State.NOMINATING
    award_round.save()
    with pytest.raises(ValidationError, match="“优秀企业家” 有提名但还没有评审专家"):
        award_round_start_review(award_round=award_round)
    award_round.refresh_from_db()
    assert award_round.state == AwardRound.State.NOMINATING


def test_a_vacancy_among_unscored_nominees_needs_a_reason(make_category, admin_user):
    category = make_category(quota=1)  # nominees, no reviewers, so no scores
    with pytest.raises(ValidationError, match="本奖项空缺须说明理由"):
        award_winners_confirm(category=category, nomination_ids=[], by=admin_user, no_winner=True)
    category.refresh_from_db()
    assert category.confirmed_at is None
    empty = make_category(name="优秀企业家", nominees=())
    award_winners_confirm(category=empty, nomination_ids=[], by=admin_user, no_winner=True)
    empty.refresh_from_db()
    assert empty.confirmed_at is not None


def test_a_tie_at_the_quota_line_is_settled_with_a_reason(make_category, panel, admin_user):
    category = make_category(quota=1, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [90] * 5, "丙": [70] * 5})
    ids = _ids(category)
    with pytest.raises(ValidationError, match="^\\['乙 得分不低于所选获奖人"):
        award_winners_confirm(category=category, nomination_ids=[ids["甲"]], by=admin_user)
    assert not category.nominations.filter(is_winner=True).exists()
    award_winners_confirm(
        category=category, nomination_ids=[ids["甲"]], by=admin_user, reason="甲 获省级奖项"
    )
    category.refresh_from_db()
    assert category.decision_reason == "甲 获省级奖项"


@pytest.mark.django_db(transaction=True)
def test_the_same_first_scores_saved_twice_at_once_are_saved_once(make_category, panel):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    category = make_category(reviewers=panel)
    entered = {nomination.pk: "88" for nomination in category.nominations.all()}
    start = threading.Barrier(2)
    outcomes = []

    def save():
        try:
            start.wait()
            outcomes.append(
                review_scores_save(category=category, reviewer=panel[0], scores=entered)
            )
        except Exception as error:  # noqa: BLE001 - the outcome names whatever went wrong
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == [3, 3]
    assert list(ReviewScore.objects.values_list("score", flat=True)) == [Decimal("88.00")] * 3


def test_a_confirmed_category_is_kept_whatever_deletes_it(make_category, panel, admin_user):
    category = make_category(quota=1, reviewers=panel)
    score_all(category, panel, {"甲": [90] * 5, "乙": [80] * 5, "丙": [70] * 5})
    winner = category.nominations.get(nominee="甲")
    award_winners_confirm(category=category, nomination_ids=[winner.pk], by=admin_user)
    unconfirmed = make_category(name="优秀企业家")
    for delete in [
        category.delete,
        AwardCategory.objects.all().delete,
        category.round.delete,
        AwardRound.objects.all().delete,
    ]:
        with pytest.raises(ProtectedError):
            delete()
    assert AwardCategory.objects.count() == 2
    assert Nomination.objects.filter(category=category).count() == 3
    assert Nomination.objects.get(is_winner=True) == winner
    # A category whose winners are not confirmed goes with its nominations.
    unconfirmed.delete()
    assert list(AwardCategory.objects.all()) == [category]
    assert Nomination.objects.count() == 3


def _in_flight_while(monkeypatch, *, model, method, in_flight, meanwhile):
    """Run `in_flight` on its own connection, held up for half a second right before it calls
    `model.method`, its checks done and nothing written yet, and `meanwhile` on this
    connection in that half second; return what each raised (None when it went through)."""
    reached, outcomes = threading.Event(), {}
    original = getattr(model, method)

    def held_up(self, *args, **kwargs):
        reached.set()
        time.sleep(0.5)  # `meanwhile` runs now, unless `in_flight` holds the round's row
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, method, held_up)

    def run():
        try:
            in_flight()
            outcomes["in_flight"] = None
        except ValidationError as error:
            outcomes["in_flight"] = error.messages
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    reached.wait(timeout=10)
    monkeypatch.setattr(model, method, original)
    try:
        meanwhile()
        outcomes["meanwhile"] = None
    except ValidationError as error:
        outcomes["meanwhile"] = error.messages
    thread.join(timeout=30)
    return outcomes


@pytest.fixture
def nominating_round(make_category, panel):
    """A round taking nominations: 领军人才 nominated and reviewed, 优秀企业家 neither yet."""
    make_category(name="领军人才", reviewers=panel)
    empty = make_category(name="优秀企业家", nominees=())
    AwardRound.objects.update(state=AwardRound.State.NOMINATING)
    return empty


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("held_at", "in_flight", "meanwhile", "refusal", "state", "nominees"),
    [
        # The nomination is in; the review cannot start with a nominee nobody may score.
        (
            (Nomination, "full_clean"),
            "nominate",
            "start review",
            "“优秀企业家” 有提名但还没有评审专家，请先指定评审专家再开始评审。",
            AwardRound.State.NOMINATING,
            ["丁"],
        ),
        # The review has started; the nomination comes too late.
        (
            (AwardRound, "save"),
            "start review",
            "nominate",
            "“2025—2026年度优秀人才评选”已截止提名。",
            AwardRound.State.REVIEWING,
            [],
        ),
    ],
)
def test_a_nomination_and_the_reviews_start_sent_at_once_take_turns_on_the_round(
    monkeypatch, nominating_round, held_at, in_flight, meanwhile, refusal, state, nominees
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks and serialises writers; run this on PostgreSQL")
    award_round = AwardRound.objects.get()
    actions = {
        "nominate": lambda: award_nominate(
            category=nominating_round, nominee="丁", employer="某公司"
        ),
        "start review": lambda: award_round_start_review(award_round=award_round),
    }
    model, method = held_at
    outcomes = _in_flight_while(
        monkeypatch,
        model=model,
        method=method,
        in_flight=actions[in_flight],
        meanwhile=actions[meanwhile],
    )
    assert outcomes == {"in_flight": None, "meanwhile": [refusal]}
    award_round.refresh_from_db()
    assert award_round.state == state
    assert list(nominating_round.nominations.values_list("nominee", flat=True)) == nominees
