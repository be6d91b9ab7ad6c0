from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.utils.translation import gettext_lazy as _

from cadre import navigation
from cadre.converters import CodeConverter
from cadre.forms import AdminLoginForm, LoginForm, ThrottledPasswordChangeForm
from cadre.permissions import admin_site_open_to

register_converter(CodeConverter, "code")

admin.site.site_header = _("千分制干部综合考核 · 后台管理")
admin.site.site_title = _("千分制考核后台")
admin.site.index_title = _("考核数据管理")
admin.site.login_form = AdminLoginForm
# Django's own rule, the staff flag alone, would let a scorer, leader or liaison made staff in.
admin.site.has_permission = lambda request: admin_site_open_to(request.user)

urlpatterns = [
    path("", navigation.home, name="home"),
    path("favicon.ico", navigation.favicon),
    path("dashboard/", include("scoring.dashboard.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Not Django's default template names, which the admin's own password pages use.
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(
            form_class=ThrottledPasswordChangeForm,
            template_name="registration/password_change.html",
        ),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    path("entry/sheets/", include("scoring.urls_sheets")),
    path("entry/workbook/", include("scoring.urls_workbook")),
    path("entry/", include("scoring.urls_entry")),
    path("admin/", admin.site.urls),
    path("talent/", include("talent.urls")),
]
