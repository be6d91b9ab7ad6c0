from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadreConfig(AppConfig):
    name = "cadre"
    verbose_name = _("干部与考核单位")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from cadre.sessions import session_login_stamp

        user_logged_in.connect(session_login_stamp, dispatch_uid="cadre.session_login_stamp")
