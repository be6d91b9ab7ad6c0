"""The biennial talent award: nominations, reviewers' scores, ranking and winners."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cadre.words import listed
from talent.models import AwardCategory, AwardRound, Nomination, ReviewScore

CENT = Decimal("0.01")
# With this many scores or more, the highest and the lowest are dropped before averaging.
TRIM_FROM = 5
SCORE_MAX = Decimal("100")
AWARD_REASON_MAX = AwardCategory._meta.get_field("decision_reason").max_length
# Once the winners are confirmed, the quota they were chosen within, the prize they are paid
# and the panel whose scores ranked them stay as they were.
CONFIRMED_FIXED_FIELDS = ["quota", "prize", "reviewers"]


def award_score_mean(*, scores: list[Decimal]) -> Decimal | None:
    """Return the mean of the middle scores, two places, ROUND_HALF_UP; None without scores.

    With five or more scores one highest and one lowest are dropped first.
    """
    if not scores:
        return None
    counted = [score for score, counts in _scores_counted(scores) if counts]
    return (sum(counted, Decimal(0)) / len(counted)).quantize(CENT, rounding=ROUND_HALF_UP)


def _scores_counted(scores: list[Decimal]) -> list[tuple[Decimal, bool]]:
    """Return the scores highest first, each with whether it counts towards the mean."""
    ordered = sorted(scores, reverse=True)
    if len(ordered) < TRIM_FROM:
        return [(score, True) for score in ordered]
    return [(ordered[0], False), *((score, True) for score in ordered[1:-1]), (ordered[-1], False)]


@dataclass(frozen=True)
class RankedNomination:
    nomination: Nomination
    scores: list[Decimal]
    mean: Decimal | None
    rank: int | None

    @property
    def scores_counted(self) -> list[tuple[Decimal, bool]]:
        """The scores highest first, each with whether it counts towards the mean: the page
        shows which highest and lowest were dropped."""
        return _scores_counted(self.scores)


def award_ranking(*, category: AwardCategory) -> list[RankedNomination]:
    """Return the category's nominations ranked by mean score (1, 2, 2, 4); unscored last.

    Only the scores of the category's current reviewers count: a reviewer taken off the panel
    takes their scores along. Equal means share the better place and are listed in nomination
    order (2 queries).
    """
    panel_scores = ReviewScore.objects.filter(reviewer__in=category.reviewers.all())
    nominations = category.nominations.prefetch_related(
        Prefetch("scores", queryset=panel_scores)
    ).order_by("pk")
    rows = [
        (nomination, scores, award_score_mean(scores=scores))
        for nomination in nominations
        for scores in [[score.score for score in nomination.scores.all()]]
    ]
    rows.sort(key=lambda row: (row[2] is None, -(row[2] or 0), row[0].pk))
    ranked, previous_mean, previous_rank = [], None, None
    for place, (nomination, scores, mean) in enumerate(rows, start=1):
        if mean is None:
            rank = None
        elif mean == previous_mean:
            rank = previous_rank
        else:
            rank, previous_mean, previous_rank = place, mean, place
        ranked.append(RankedNomination(nomination=nomination, scores=scores, mean=mean, rank=rank))
    return ranked


def award_category_open(*, category: AwardCategory) -> bool:
    """Whether the category takes scores and its winners may be confirmed: its round is under
    review and its winners are not confirmed yet."""
    return category.round.state == AwardRound.State.REVIEWING and not category.confirmed_at


def award_rounds_shown(*, user, reader: bool) -> list[AwardRound]:
    """Return the award rounds the user's list shows, each with `shown_categories` (their
    nominations counted in `nominated`, and `takes_scores` while a reviewer may score them).

    Readers see every round, one still without categories too; a reviewer only the rounds of
    the categories they review, and only those categories. Two queries.
    """
    categories = AwardCategory.objects.annotate(nominated=Count("nominations")).order_by(
        "sort_order", "pk"
    )
    rounds = AwardRound.objects.all()
    if not reader:
        categories = categories.filter(reviewers=user)
        rounds = rounds.filter(categories__in=categories).distinct()
    rounds = list(
        rounds.prefetch_related(
            Prefetch("categories", queryset=categories, to_attr="shown_categories")
        )
    )
    for award_round in rounds:
        for category in award_round.shown_categories:
            category.takes_scores = award_category_open(category=category)
    return rounds


def _on_panel(category: AwardCategory, user) -> bool:
    return category.reviewers.filter(pk=user.pk).exists()


def award_reviewer_ensure(*, category: AwardCategory, user) -> None:
    """Raise PermissionDenied unless the user is one of the category's reviewers."""
    if not _on_panel(category, user):
        raise PermissionDenied(_("您不是“%(category)s”的评审专家。") % {"category": category})


def award_scores_shown(*, category: AwardCategory, user, admin: bool) -> bool:
    """Whether the user may read the category's scores and ranking. While the category takes
    scores, a reader who sits on its panel (a district leader asked to review) does not: they
    would read the other reviewers' scores before giving, or changing, their own. The office's
    admins run the award and read every score anyway, in the admin site too."""
    if admin or not award_category_open(category=category):
        return True
    return not _on_panel(category, user)


def award_deletion_refusals(*, categories: QuerySet[AwardCategory]) -> list[str]:
    """Return why each confirmed category among `categories` may not be deleted, none when none
    is confirmed. The models refuse such a deletion on every path
    (talent.models.confirmed_categories_protect); this says why, for the admin's pages."""
    confirmed = categories.filter(confirmed_at__isnull=False).select_related("round")
    return [
        _("“%(category)s”的获奖结果已经确定，是发放奖金的依据，不能删除。") % {"category": category}
        for category in confirmed
    ]


def award_prize_total(*, category: AwardCategory, ranking: list[RankedNomination]) -> Decimal:
    """Return what the category's winners are paid together."""
    return category.prize * sum(row.nomination.is_winner for row in ranking)


@dataclass(frozen=True)
class RoundPrizes:
    """A round's categories, each with `nominated`, `reviewer_count`, `winners` and
    `prize_total` (what its winners are paid together), and the round's money: the most its
    quotas could pay and what its confirmed winners are paid."""

    categories: list[AwardCategory]
    quota_total: Decimal
    paid_total: Decimal


def award_round_prizes(*, award_round: AwardRound) -> RoundPrizes:
    """Return the round's categories and prize money (one query)."""
    categories = list(
        award_round.categories.annotate(
            nominated=Count("nominations", distinct=True),
            reviewer_count=Count("reviewers", distinct=True),
            winners=Count("nominations", filter=Q(nominations__is_winner=True), distinct=True),
        ).order_by("sort_order", "pk")
    )
    for category in categories:
        category.prize_total = category.prize * category.winners
    return RoundPrizes(
        categories=categories,
        quota_total=sum((c.prize * c.quota for c in categories), Decimal(0)),
        paid_total=sum((c.prize_total for c in categories), Decimal(0)),
    )


@transaction.atomic
def award_nominate(*, category: AwardCategory, **fields) -> Nomination:
    """Add a nomination to a category while its round takes nominations, once per person and
    round: the same nominee of the same employer is refused a second time, in the category or
    in another of the round, where they could win a second prize."""
    # The round first, as starting the review locks it: a nomination sent as the review starts
    # is either in before the start checks the round's nominations, or refused.
    award_round = _round_locked(round_id=category.round_id)
    if award_round.state != AwardRound.State.NOMINATING:
        raise ValidationError(_("“%(round)s”已截止提名。") % {"round": award_round})
    category = AwardCategory.objects.select_for_update().select_related("round").get(pk=category.pk)
    nomination = Nomination(category=category, **fields)
    nomination.nominee, nomination.employer = (
        " ".join(nomination.nominee.split()),
        " ".join(nomination.employer.split()),
    )
    nomination.full_clean()
    # The round's row is locked: the same person sent twice at once, to one category or two,
    # waits here and is refused.
    earlier = (
        Nomination.objects.filter(
            category__round=award_round,
            nominee__iexact=nomination.nominee,
            employer__iexact=nomination.employer,
        )
        .select_related("category")
        .first()
    )
    if earlier is not None:
        raise ValidationError(
            _(
                "%(nominee)s（%(employer)s）已被提名为“%(category)s”，"
                "同一评选中每人只能被提名一次。如需改报其他奖项，请先撤回原提名。"
            )
            % {
                "nominee": nomination.nominee,
                "employer": nomination.employer,
                # Named as the round's page and form name it, without the round's year.
                "category": earlier.category.name,
            }
        )
    nomination.save()
    return nomination


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination) -> None:
    """Withdraw a nomination while its round takes nominations: one entered with a typo or in
    the wrong category is withdrawn and entered again. Once the review starts, nominations are
    scored and stay."""
    # Locked as a nomination's entry and the review's start lock it.
    award_round = _round_locked(round_id=nomination.category.round_id)
    if award_round.state != AwardRound.State.NOMINATING:
        raise ValidationError(_("“%(round)s”已截止提名，提名不能再撤回。") % {"round": award_round})
    Nomination.objects.filter(pk=nomination.pk).delete()


def _round_locked(*, round_id: int) -> AwardRound:
    """Return the round's row locked to the end of the transaction: starting its review and
    entering or withdrawing its nominations queue up behind each other."""
    return AwardRound.objects.select_for_update().get(pk=round_id)


@transaction.atomic
def award_round_start_review(*, award_round: AwardRound) -> None:
    """Close nominations and open the reviewers' scoring; every category with nominations
    needs its reviewers first, or its nominees could never be scored.

    The round is locked before its nominations are read: one sent meanwhile waits and is
    refused, or is in and counted."""
    award_round = _round_locked(round_id=award_round.pk)
    if award_round.state != AwardRound.State.NOMINATING:
        raise ValidationError(_("只有提名中的评选可以开始评审。"))
    if not Nomination.objects.filter(category__round=award_round).exists():
        raise ValidationError(_("还没有任何提名，不能开始评审。"))
    unreviewed = award_round.categories.filter(
        nominations__isnull=False, reviewers__isnull=True
    ).distinct()
    if unreviewed:
        raise ValidationError(
            _("%(categories)s 有提名但还没有评审专家，请先指定评审专家再开始评审。")
            % {"categories": listed(f"“{category.name}”" for category in unreviewed)}
        )
    award_round.state = AwardRound.State.REVIEWING
    award_round.save(update_fields=["state"])


def _score_parse(text: str, nominee: str) -> Decimal | None:
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    try:
        score = Decimal(cleaned)
    except ArithmeticError:
        score = None
    if score is None or not score.is_finite() or not Decimal(0) <= score <= SCORE_MAX:
        raise ValidationError(
            _("%(nominee)s 的评分“%(text)s”无效：应为 0 至 100 之间的数。")
            % {"nominee": nominee, "text": cleaned}
        )
    return score.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def review_scores_save(*, category: AwardCategory, reviewer, scores: dict[int, str]) -> int:
    """Save a reviewer's scores of a category's nominations; a blank score removes one.

    `scores` maps nomination ids to the text entered. Only reviewers assigned to the category
    may score it, only while its round is under review and before its winners are confirmed.
    Every score is checked before anything is written; the bad ones are refused together,
    each message keyed by its nomination's id (`ValidationError.message_dict`). Return the
    number of scores saved.
    """
    # Locked as confirming the winners locks it: scores saved at once (the same form sent
    # twice) are written one after the other, and none after the winners are confirmed.
    category = AwardCategory.objects.select_for_update().select_related("round").get(pk=category.pk)
    award_reviewer_ensure(category=category, user=reviewer)
    if not award_category_open(category=category):
        raise ValidationError(_("“%(category)s”当前不接受评分。") % {"category": category})
    nominations = {n.pk: n for n in category.nominations.all()}
    unknown = set(scores) - set(nominations)
    if unknown:
        raise ValidationError(_("提名 %(ids)s 不属于该奖项。") % {"ids": sorted(unknown)})
    errors, parsed = {}, {}
    for nomination_id, text in scores.items():
        try:
            parsed[nomination_id] = _score_parse(text, nominations[nomination_id].nominee)
        except ValidationError as error:
            errors[nomination_id] = error.messages
    if errors:
        raise ValidationError(errors)
    existing = {
        score.nomination_id: score
        for score in ReviewScore.objects.filter(reviewer=reviewer, nomination_id__in=list(parsed))
    }
    ReviewScore.objects.filter(
        pk__in=[existing[n].pk for n, s in parsed.items() if s is None and n in existing]
    ).delete()
    changed = []
    for nomination_id, score in parsed.items():
        if score is not None and nomination_id in existing:
            existing[nomination_id].score = score
            changed.append(existing[nomination_id])
    ReviewScore.objects.bulk_update(changed, ["score", "updated_at"])
    created = ReviewScore.objects.bulk_create(
        ReviewScore(nomination_id=nomination_id, reviewer=reviewer, score=score)
        for nomination_id, score in parsed.items()
        if score is not None and nomination_id not in existing
    )
    return len(changed) + len(created)


def _scores_missing(*, category: AwardCategory) -> list[str]:
    """Return, per assigned reviewer who has not scored every nomination, who and whom (2
    queries)."""
    nominations = list(category.nominations.order_by("pk"))
    scored = set(
        ReviewScore.objects.filter(nomination__category=category).values_list(
            "reviewer_id", "nomination_id"
        )
    )
    missing = []
    for reviewer in category.reviewers.order_by("username"):
        names = [n.nominee for n in nominations if (reviewer.pk, n.pk) not in scored]
        if names:
            missing.append(
                _("%(reviewer)s 尚未评分：%(nominees)s")
                % {
                    "reviewer": reviewer.get_full_name() or reviewer.get_username(),
                    "nominees": listed(names),
                }
            )
    return missing


def _passed_over(*, ranking: list[RankedNomination], chosen: set[int]) -> list[str]:
    """Return the nominees not chosen who score at least as high as the lowest-scoring one
    chosen (every scored nominee when nobody is chosen): a tie at the quota's line is settled
    by a stated reason, not silently."""
    means = [row.mean for row in ranking if row.nomination.pk in chosen]
    lowest = min(means) if means else None
    return [
        row.nomination.nominee
        for row in ranking
        if row.nomination.pk not in chosen
        and row.mean is not None
        and (lowest is None or row.mean >= lowest)
    ]


@transaction.atomic
def award_winners_confirm(
    *,
    category: AwardCategory,
    nomination_ids: list[int],
    by,
    no_winner: bool = False,
    reason: str = "",
) -> None:
    """Mark the chosen nominations as the category's winners, within its quota, once.

    Every assigned reviewer must have scored every nomination first. Choosing nobody is an
    explicit decision (`no_winner`). Passing over a nominee who scores as high as one chosen,
    or choosing nobody among nominees, needs a reason, which is recorded with who confirmed
    and when. The round closes when every one of its categories has its winners.
    """
    category = AwardCategory.objects.select_for_update().select_related("round").get(pk=category.pk)
    if category.round.state != AwardRound.State.REVIEWING:
        raise ValidationError(_("评选不在评审阶段，不能确定获奖人。"))
    if category.confirmed_at:
        raise ValidationError(_("“%(category)s”的获奖人已经确定。") % {"category": category})
    chosen = set(nomination_ids)
    if not chosen and not no_winner:
        raise ValidationError(_("请勾选获奖人；本奖项不评出获奖人时，请勾选“本奖项空缺”。"))
    if chosen and no_winner:
        raise ValidationError(_("勾选了获奖人，又选择了“本奖项空缺”，请只选其一。"))
    if len(chosen) > category.quota:
        raise ValidationError(
            _("“%(category)s”名额 %(quota)s 人，选择了 %(count)s 人。")
            % {"category": category, "quota": category.quota, "count": len(chosen)}
        )
    missing = _scores_missing(category=category)
    if missing:
        raise ValidationError([_("评审尚未完成，不能确定获奖人。"), *missing])
    ranking = award_ranking(category=category)
    scored = {row.nomination.pk for row in ranking if row.mean is not None}
    if chosen - scored:
        raise ValidationError(_("所选提名中有尚未评分的，不能确定为获奖人。"))
    reason = " ".join(reason.split())
    passed_over = _passed_over(ranking=ranking, chosen=chosen)
    # Nominees left without a prize are told why, scored or not.
    if no_winner and ranking and not reason:
        raise ValidationError(_("本奖项空缺须说明理由。"))
    if passed_over and not reason:
        raise ValidationError(
            _("%(nominees)s 得分不低于所选获奖人，须说明不按排名确定的理由。")
            % {"nominees": listed(passed_over)}
        )
    if len(reason) > AWARD_REASON_MAX:
        raise ValidationError(_("理由最多 %(max)s 个字，请精简") % {"max": AWARD_REASON_MAX})
    category.nominations.filter(pk__in=chosen).update(is_winner=True)
    category.confirmed_at = timezone.now()
    category.confirmed_by = by
    category.decision_reason = reason
    category.save(update_fields=["confirmed_at", "confirmed_by", "decision_reason"])
    if not category.round.categories.filter(confirmed_at__isnull=True).exists():
        category.round.state = AwardRound.State.CLOSED
        category.round.save(update_fields=["state"])
