"""What every admin list with an export button shares."""

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.admin import ExportMixin


class LocalDateExportMixin(ExportMixin):
    """import-export's export, its files dated with the district's day (settings.TIME_ZONE),
    and refused above SCORING_EXPORT_MAX_ROWS rows.

    import-export dates a file with the UTC day: an export made in Shanghai before 08:00 would
    carry yesterday's date.
    import-export builds every row in Python, a few thousand rows a second: a province's
    2 million values took 14 minutes, past any request's time, so a list that big is
    refused with what to do instead.
    """

    def get_export_filename(self, request, queryset, file_format):
        day = timezone.localdate()
        return f"{self.model.__name__}-{day:%Y-%m-%d}.{file_format.get_extension()}"

    def get_data_for_export(self, request, queryset, **kwargs):
        # import-export shows a ValueError's text on its export page, the choices kept.
        count, limit = queryset.count(), settings.SCORING_EXPORT_MAX_ROWS
        if count > limit:
            raise ValueError(
                _(
                    "要导出的记录有 %(count)s 条，超过一次导出的上限 %(limit)s 条。"
                    "请先在列表右侧筛选（如考核周期、期间、单位类别）缩小范围后再导出；"
                    "各单位的考核结果可在排名页面用“导出Excel”下载结果报表。"
                )
                % {"count": intcomma(count), "limit": intcomma(limit)}
            )
        return super().get_data_for_export(request, queryset, **kwargs)
