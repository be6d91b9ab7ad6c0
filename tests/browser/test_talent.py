"""A new user's tour of talent work with the demo data."""

import pytest
from django.core.management import call_command

from talent.models import AwardCategory, Nomination
from talent.services.awards import review_scores_save

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kaohe@2026"


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_talent_work_from_progress_to_award_winners_subsidies_and_stars(
    demo, page, login, screenshot
):
    # Closing nominations and confirming winners ask first; the admin answers yes.
    page.on("dialog", lambda dialog: dialog.accept())
    login("leader", PASSWORD)
    page.goto("/talent/?year=2025")
    screenshot("talent-1-progress")
    progress = page.locator("#progress").inner_text()
    assert "院士" in progress and "1806" in progress

    # The admin nominates one more person and starts the review.
    login("admin", PASSWORD)
    page.goto("/talent/awards/")
    page.click("text=2025—2026年度优秀人才评选")
    page.select_option("#nominate select[name=category]", label="领军人才")
    page.fill("#nominate input[name=nominee]", "周海洋")
    page.fill("#nominate input[name=employer]", "蓝海生物科技股份有限公司")
    page.click("#nominate button")
    assert "已添加提名：周海洋" in page.locator(".messages").inner_text()
    page.click("button[name=start_review]")
    assert "评审中" in page.locator("h1").inner_text()

    # A reviewer scores the category in the browser; the four others through the service.
    category = AwardCategory.objects.get(name="领军人才")
    nominations = list(category.nominations.order_by("pk"))
    login("expert1", PASSWORD)
    page.goto("/talent/awards/")
    page.click("a.button >> nth=0")
    for rank, nomination in enumerate(nominations):
        page.fill(f"input[name=score-{nomination.pk}]", str(95 - rank * 3))
    screenshot("talent-2-scoring")
    page.click("#scores button")
    assert f"已保存 {len(nominations)} 个评分" in page.locator(".messages").inner_text()
    for reviewer in category.reviewers.exclude(username="expert1"):
        review_scores_save(
            category=category,
            reviewer=reviewer,
            scores={n.pk: str(90 - rank * 3) for rank, n in enumerate(nominations)},
        )

    login("admin", PASSWORD)
    page.goto(f"/talent/awards/category/{category.pk}/")
    boxes = page.locator("#ranking input[name=winner]")
    for index in range(category.quota + 1):
        boxes.nth(index).check()
    page.click("#confirm-winners")
    assert "名额 3 人，选择了 4 人" in page.locator(".messages").inner_text()
    # The refusal keeps the four ticked: the admin unticks the one too many.
    boxes = page.locator("#ranking input[name=winner]")
    assert [boxes.nth(index).is_checked() for index in range(category.quota + 1)] == [True] * 4
    boxes.nth(category.quota).uncheck()
    page.click("#confirm-winners")
    screenshot("talent-3-winners")
    assert "获奖人已确定" in page.locator(".messages").inner_text()
    assert Nomination.objects.filter(category=category, is_winner=True).count() == 3
    assert page.locator("tr.winner").count() == 3

    # A housing subsidy larger than what is left of the fund is refused.
    page.goto("/talent/subsidies/?state=pending")
    row = page.locator("#subsidies tr", has_text="300,000.00")
    row.locator("button[value=approve]").click()
    screenshot("talent-4-subsidy-refused")
    assert "预算不足，未批准" in page.locator(".messages").inner_text()
    assert "待审批" in page.locator("#subsidies tr", has_text="300,000.00").inner_text()

    # The star tree: a refused branch and the reason for it.
    page.goto("/talent/star/")
    assert "十星" in page.locator("#star-summary").inner_text()
    # A committee refused for too few ten-star branches, and the branches that fail it.
    page.locator("#star-children tr", has_text="<").locator("a").first.click()
    page.select_option("select[name=show]", "refused")
    page.wait_for_load_state()
    screenshot("talent-5-star-tree")
    reasons = page.locator("#star-children").inner_text()
    assert "十星" in reasons and "<" in reasons
