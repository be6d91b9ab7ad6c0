"""The permission pickers of the user and group forms speak the clerk's language."""

import pytest
from django.contrib.auth.models import Group, Permission

pytestmark = pytest.mark.django_db


def test_a_users_permissions_are_listed_as_the_admin_names_its_pages(admin_client, admin_user):
    page = admin_client.get(f"/admin/auth/user/{admin_user.pk}/change/").content.decode()

    unit_add = Permission.objects.select_related("content_type").get(codename="add_unit")
    assert f'<option value="{unit_add.pk}">考核单位 | 新增</option>' in page
    assert "Can add" not in page
    assert unit_add.name == "Can add 考核单位", "the stored name is left as migrate wrote it"


def test_a_groups_permissions_are_listed_the_same_way(admin_client):
    group = Group.objects.create(name="统计组")
    group.permissions.add(Permission.objects.get(codename="change_indicator"))

    page = admin_client.get(f"/admin/auth/group/{group.pk}/change/").content.decode()

    assert "考核指标 | 修改</option>" in page and "干部 | 查看</option>" in page
    assert "Can change" not in page
