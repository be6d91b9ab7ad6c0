from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadreConfig(AppConfig):
    name = "cadre"
    verbose_name = _("干部与考核单位")
