from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cadre.numbers import whole_number, whole_numbers
from scoring.views_sheets import XLSX
from talent.access import talent_view
from talent.forms import (
    NominationForm,
    RegistryFilterForm,
    StarImportForm,
    StatusChangeForm,
    SubsidyRequestForm,
    TalentForm,
)
from talent.models import (
    AwardCategory,
    AwardRound,
    Nomination,
    StarNode,
    StarTree,
    Subsidy,
    Talent,
)
from talent.services.awards import (
    AWARD_REASON_MAX,
    award_category_open,
    award_nominate,
    award_prize_total,
    award_ranking,
    award_reviewer_ensure,
    award_round_prizes,
    award_round_start_review,
    award_rounds_shown,
    award_scores_shown,
    award_winners_confirm,
    nomination_withdraw,
    review_scores_save,
)
from talent.services.exports import (
    award_results_xlsx,
    export_file_name,
    subsidies_xlsx,
    talent_registry_xlsx,
)
from talent.services.registry import (
    ARRIVAL_UNDO_REASON_MAX,
    NEXT_STATUSES,
    talent_arrival_undo,
    talent_progress,
    talent_progress_by_level,
    talent_progress_total,
    talent_register,
    talent_registry_list,
    talent_status_change,
    talent_year_shown,
    talent_years,
)
from talent.services.star import (
    percent_text,
    star_node_path,
    star_node_reason,
    star_tree_certify,
    star_tree_summary,
)
from talent.services.star_xlsx import star_report_xlsx, star_tree_import
from talent.services.subsidies import (
    DECISION_NOTE_MAX,
    WITHDRAWAL_REASON_MAX,
    fund_year_list,
    subsidy_approve,
    subsidy_list,
    subsidy_reject,
    subsidy_request,
    subsidy_withdraw,
)

PAGE_SIZE = 50
# A page lists this many problems at most and counts the rest: a workbook wrong on every row
# would otherwise bury the page under thousands of messages.
MESSAGES_SHOWN = 20


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _error_messages(request, error: ValidationError) -> None:
    texts = error.messages
    for text in texts[:MESSAGES_SHOWN]:
        messages.error(request, text)
    hidden = len(texts) - MESSAGES_SHOWN
    if hidden > 0:
        messages.error(
            request,
            ngettext("另有 %(count)s 个问题未列出。", "另有 %(count)s 个问题未列出。", hidden)
            % {"count": hidden},
        )


@talent_view()
def progress(request):
    years = talent_years()
    asked = request.GET.get("year", "")
    year = whole_number(asked) or talent_year_shown(years=years)
    rows = talent_progress(year=year)
    return render(
        request,
        "talent/progress.html",
        {
            "year": year,
            "years": years,
            "levels": talent_progress_by_level(rows=rows),
            "total": talent_progress_total(rows=rows),
        },
    )


def _registry_filtered(request) -> tuple[RegistryFilterForm, QuerySet[Talent]]:
    """The registry's filter form and what it shows: nobody while a filter is invalid (a search
    with a NUL, a year that is no year), as a filter that cannot match narrows to nothing."""
    form = RegistryFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, talent_registry_list().none()
    return form, talent_registry_list(**(form.cleaned_data if form.is_bound else {}))


def _xlsx_download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@talent_view()
def registry(request):
    form, talents = _registry_filtered(request)
    page = Paginator(talents, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "talent/registry.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


@talent_view()
def registry_export(request):
    _form, talents = _registry_filtered(request)
    content = talent_registry_xlsx(talents=talents, contacts=request.talent_admin)
    return _xlsx_download(content, export_file_name("talents"))


@talent_view(write=True)
def talent_create(request):
    form = TalentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            talent = talent_register(talent=form.save(commit=False), by=request.user)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("已登记人才：%(name)s。") % {"name": talent.name})
            return redirect("talent:talent", pk=talent.pk)
    return render(
        request, "talent/create.html", {"form": form, "title": _("登记人才"), "back": "registry"}
    )


@talent_view()
def talent_detail(request, pk):
    talent = get_object_or_404(Talent.objects.select_related("programme"), pk=pk)
    next_statuses = NEXT_STATUSES[talent.status]
    undoing = request.method == "POST" and "undo_arrival" in request.POST
    form = StatusChangeForm(None if undoing else request.POST or None, next_statuses=next_statuses)
    # The reason typed comes back with a refusal, to be corrected rather than retyped.
    undo_reason = request.POST.get("reason", "") if undoing else None
    if undoing:
        try:
            change = talent_arrival_undo(talent=talent, by=request.user, reason=undo_reason)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.warning(
                request,
                _("已撤销引进：%(name)s 恢复为“%(status)s”。")
                % {"name": talent.name, "status": change.get_status_display()},
            )
            return redirect("talent:talent", pk=talent.pk)
    elif request.method == "POST" and form.is_valid():
        try:
            talent_status_change(
                talent=talent,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("状态已更新。"))
            return redirect("talent:talent", pk=talent.pk)
    changes = talent.status_changes.select_related("changed_by")
    return render(
        request,
        "talent/talent_detail.html",
        {
            "talent": talent,
            "changes": changes,
            "subsidies": talent.subsidies.select_related("fund"),
            "form": form if next_statuses else None,
            "undo_reason": undo_reason,
            "undo_reason_max": ARRIVAL_UNDO_REASON_MAX,
        },
    )


@talent_view(reviewers=True)
def award_rounds(request):
    rounds = award_rounds_shown(user=request.user, reader=request.talent_reader)
    mine = set(request.user.award_categories.values_list("pk", flat=True))
    return render(request, "talent/award_rounds.html", {"rounds": rounds, "mine": mine})


@talent_view()
def award_round(request, pk):
    award_round = get_object_or_404(AwardRound, pk=pk)
    form = NominationForm(request.POST or None, award_round=award_round)
    if request.method == "POST":
        try:
            if "start_review" in request.POST:
                award_round_start_review(award_round=award_round)
                messages.success(request, _("已截止提名，评审专家可以开始评分。"))
                return redirect("talent:award_round", pk=award_round.pk)
            if form.is_valid():
                data = dict(form.cleaned_data)
                award_nominate(category=data.pop("category"), **data)
                messages.success(request, _("已添加提名：%(name)s。") % {"name": data["nominee"]})
                return redirect("talent:award_round", pk=award_round.pk)
        except ValidationError as error:
            _error_messages(request, error)
    return render(
        request,
        "talent/award_round.html",
        {
            "award_round": award_round,
            "prizes": award_round_prizes(award_round=award_round),
            "form": form,
        },
    )


@talent_view()
def award_round_export(request, pk):
    award_round = get_object_or_404(AwardRound, pk=pk)
    content = award_results_xlsx(
        award_round=award_round, user=request.user, admin=request.talent_admin
    )
    return _xlsx_download(content, export_file_name(f"award-{award_round.year}"))


@talent_view()
def award_category(request, pk):
    category = get_object_or_404(AwardCategory.objects.select_related("round"), pk=pk)
    # What was ticked and typed comes back with a refusal, to be corrected rather than redone.
    chosen, no_winner, reason = [], False, ""
    if request.method == "POST":
        chosen = whole_numbers(request.POST.getlist("winner"))
        no_winner = request.POST.get("no_winner") == "1"
        reason = request.POST.get("reason", "")
        try:
            award_winners_confirm(
                category=category,
                nomination_ids=chosen,
                by=request.user,
                no_winner=no_winner,
                reason=reason,
            )
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("获奖人已确定。"))
            return redirect("talent:award_category", pk=category.pk)
    scores_shown = award_scores_shown(
        category=category, user=request.user, admin=request.talent_admin
    )
    ranking = award_ranking(category=category) if scores_shown else []
    reviewers = list(category.reviewers.order_by("username"))
    return render(
        request,
        "talent/award_category.html",
        {
            "category": category,
            "scores_shown": scores_shown,
            "ranking": ranking,
            "reviewers": reviewers,
            "can_confirm": request.talent_admin and award_category_open(category=category),
            "can_withdraw": request.talent_admin
            and category.round.state == AwardRound.State.NOMINATING,
            "prize_total": award_prize_total(category=category, ranking=ranking),
            "reason_max": AWARD_REASON_MAX,
            "chosen": chosen,
            "no_winner": no_winner,
            "reason": reason,
        },
    )


@talent_view(write=True)
def award_nomination_withdraw(request, pk):
    nomination = get_object_or_404(Nomination, pk=pk)
    if request.method == "POST":
        try:
            nomination_withdraw(nomination=nomination)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(
                request,
                _("已撤回提名：%(name)s（%(employer)s）。如需更正，请重新提名。")
                % {"name": nomination.nominee, "employer": nomination.employer},
            )
    return redirect("talent:award_category", pk=nomination.category_id)


@talent_view(reviewers=True)
def award_score(request, pk):
    category = get_object_or_404(AwardCategory.objects.select_related("round"), pk=pk)
    award_reviewer_ensure(category=category, user=request.user)
    nominations = list(category.nominations.all())
    entered, problems = None, {}
    if request.method == "POST":
        entered = {n.pk: request.POST.get(f"score-{n.pk}", "") for n in nominations}
        try:
            saved = review_scores_save(category=category, reviewer=request.user, scores=entered)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                # One message per bad score, shown in its row; the page says nothing was saved.
                problems = {pk: texts[0] for pk, texts in error.message_dict.items()}
                messages.error(
                    request,
                    ngettext(
                        "%(count)s 个评分无效，本次评分均未保存；请修改标出的评分后重新保存。",
                        "%(count)s 个评分无效，本次评分均未保存；请修改标出的评分后重新保存。",
                        len(problems),
                    )
                    % {"count": len(problems)},
                )
            else:
                _error_messages(request, error)
        else:
            messages.success(
                request,
                ngettext("已保存 %(count)s 个评分。", "已保存 %(count)s 个评分。", saved)
                % {"count": saved},
            )
            return redirect("talent:award_score", pk=category.pk)
    if entered is None:
        entered = dict(
            category.nominations.filter(scores__reviewer=request.user).values_list(
                "pk", "scores__score"
            )
        )
    # What was typed comes back as typed, so that a bad score is corrected, not retyped.
    rows = [(n, entered.get(n.pk), problems.get(n.pk)) for n in nominations]
    return render(
        request,
        "talent/award_score.html",
        {
            "category": category,
            "rows": rows,
            "open": award_category_open(category=category),
        },
    )


# What the clerk typed beside a subsidy (a decision's note, a withdrawal's reason) and saw
# refused, by the subsidy's id, until that subsidy is decided: the page shows it again, after
# the refusal's redirect and on every reload, to be corrected rather than retyped.
TYPED_NOTES = "talent_subsidy_notes"


def _typed_note_keep(request, subsidy: Subsidy, note: str) -> None:
    request.session[TYPED_NOTES] = request.session.get(TYPED_NOTES, {}) | {str(subsidy.pk): note}


def _typed_note_drop(request, subsidy: Subsidy) -> None:
    notes = request.session.get(TYPED_NOTES, {})
    if notes.pop(str(subsidy.pk), None) is not None:
        request.session[TYPED_NOTES] = notes


@talent_view()
def subsidies(request):
    funds = fund_year_list()
    state = request.GET.get("state", "")
    page = Paginator(subsidy_list(state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    typed = request.session.get(TYPED_NOTES, {})
    for subsidy in page:
        subsidy.typed_note = typed.get(str(subsidy.pk))
    return render(
        request,
        "talent/subsidies.html",
        {
            "funds": funds,
            "page": page,
            "query": _query_without_page(request),
            "state": state,
            "states": Subsidy.State.choices,
            "decision_note_max": DECISION_NOTE_MAX,
            "withdrawal_reason_max": WITHDRAWAL_REASON_MAX,
        },
    )


@talent_view()
def subsidies_export(request):
    content = subsidies_xlsx(subsidies=subsidy_list(state=request.GET.get("state", "")))
    return _xlsx_download(content, export_file_name("subsidies"))


@talent_view(write=True)
def subsidy_create(request):
    form = SubsidyRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subsidy = subsidy_request(**form.cleaned_data)
        except ValidationError as error:
            _error_messages(request, error)
        else:
            messages.success(request, _("已登记补贴申请：%(subsidy)s。") % {"subsidy": subsidy})
            return redirect(f"{reverse('talent:subsidies')}?state=pending")
    return render(
        request,
        "talent/create.html",
        {"form": form, "title": _("登记补贴申请"), "back": "subsidies"},
    )


@talent_view(write=True)
def subsidy_decide(request, pk):
    subsidy = get_object_or_404(Subsidy, pk=pk)
    if request.method != "POST":
        return redirect("talent:subsidies")
    note = request.POST.get("note", "")
    decision = request.POST.get("decision")
    try:
        if decision == "approve":
            subsidy = subsidy_approve(subsidy=subsidy, by=request.user, note=note)
            messages.success(request, _("已批准：%(subsidy)s。") % {"subsidy": subsidy})
        elif decision == "withdraw":
            subsidy = subsidy_withdraw(subsidy=subsidy, by=request.user, reason=note)
            messages.warning(
                request,
                _(
                    "已撤销：%(subsidy)s，金额已退回%(year)s年度人才专项资金。"
                    "如需按正确金额发放，请重新登记补贴申请。"
                )
                % {"subsidy": subsidy, "year": subsidy.fund.year},
            )
        else:
            subsidy = subsidy_reject(subsidy=subsidy, by=request.user, note=note)
            messages.warning(request, _("未批准：%(subsidy)s。") % {"subsidy": subsidy})
    except ValidationError as error:
        _error_messages(request, error)
        _typed_note_keep(request, subsidy, note)
    else:
        _typed_note_drop(request, subsidy)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, {request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("talent:subsidies")
    # Back at the subsidy's row, where the refusal is to be corrected.
    return redirect(f"{back}#subsidy-{subsidy.pk}")


@talent_view()
def star_trees(request):
    tree = StarTree.objects.first()
    if tree is None:
        return render(request, "talent/star_tree.html", {"tree": None})
    return redirect("talent:star_tree", pk=tree.pk)


@talent_view()
def star_tree(request, pk):
    tree = get_object_or_404(StarTree, pk=pk)
    asked = whole_number(request.GET.get("node"))
    ancestors = []
    if asked is not None:
        ancestors = star_node_path(tree=tree, pk=asked)
        if not ancestors:
            raise Http404
    node = ancestors[-1] if ancestors else None
    children = StarNode.objects.filter(tree=tree, parent=node).order_by("code")
    show = request.GET.get("show", "")
    if show == "refused":
        children = children.filter(is_ten_star=False)
    page = Paginator(children, PAGE_SIZE * 2).get_page(request.GET.get("page"))
    for child in page:
        child.reason = star_node_reason(node=child, share=tree.share)
    if node is not None:
        node.reason = star_node_reason(node=node, share=tree.share)
    return render(
        request,
        "talent/star_tree.html",
        {
            "tree": tree,
            "node": node,
            "ancestors": ancestors,
            "page": page,
            "query": _query_without_page(request),
            "show": show,
            "summary": star_tree_summary(tree=tree),
            # Each year's tree is on its own page; the list page opens on the latest.
            "trees": list(StarTree.objects.only("pk", "name", "year")),
            "share_percent": percent_text(tree.share),
            "import_form": StarImportForm(),
        },
    )


@talent_view(write=True)
def star_certify(request, pk):
    tree = get_object_or_404(StarTree, pk=pk)
    if request.method == "POST":
        counts = star_tree_certify(tree=tree)
        messages.success(
            request,
            _(
                "认证已完成：十星社区党委 %(committee)s 个，十星党支部 %(branch)s 个，"
                "十星党员 %(member)s 名，十星文明户 %(household)s 户。"
            )
            % counts,
        )
    return redirect("talent:star_tree", pk=tree.pk)


@talent_view()
def star_export(request, pk):
    tree = get_object_or_404(StarTree, pk=pk)
    return _xlsx_download(star_report_xlsx(tree=tree), f"star-{tree.year}-{tree.pk}.xlsx")


@talent_view(write=True)
def star_import(request, pk):
    tree = get_object_or_404(StarTree, pk=pk)
    form = StarImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = star_tree_import(tree=tree, upload=form.cleaned_data["file"])
        except ValidationError as error:
            found = len(error.messages)
            messages.error(
                request,
                ngettext(
                    "发现 %(number)s 个问题，没有导入任何数据。请修改文件后重新上传。",
                    "发现 %(number)s 个问题，没有导入任何数据。请修改文件后重新上传。",
                    found,
                )
                % {"number": intcomma(found)},
            )
            _error_messages(request, error)
        else:
            messages.success(
                request,
                ngettext(
                    "已导入 %(count)s 行并重新认证。", "已导入 %(count)s 行并重新认证。", count
                )
                % {"count": count},
            )
    return redirect("talent:star_tree", pk=tree.pk)
