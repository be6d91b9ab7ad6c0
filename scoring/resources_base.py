"""What every django-import-export resource of the project shares."""

from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.instance_loaders import CachedInstanceLoader

from scoring.services.cells import cell_safe, cell_text


class SafeResource(resources.ModelResource):
    """A resource whose exported text never runs as a formula in Excel."""

    def export_field(self, field, instance, **kwargs):
        return cell_safe(super().export_field(field, instance, **kwargs))


class BulkResource(SafeResource):
    """Master data that may come by the thousand: written in bulk, without a per-row diff."""

    class Meta:
        use_bulk = True
        skip_diff = True
        batch_size = 1000
        instance_loader_class = CachedInstanceLoader


def safe_resource_for(model_class) -> type[SafeResource]:
    """Return an export-only resource with every field of the model, formulas escaped."""
    meta = type("Meta", (), {"model": model_class})
    return type(f"{model_class.__name__}Resource", (SafeResource,), {"Meta": meta})


class CodeWidget(widgets.CachedForeignKeyWidget):
    """A foreign key given by its code, every code loaded in one query for the whole file."""

    def __init__(self, model, field="code", **kwargs):
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value) or None
        try:
            return super().clean(code, row, **kwargs)
        except self.model.DoesNotExist:
            # A ValueError shows in the dry-run preview next to the cell, not as a traceback.
            raise ValueError(
                _("未知%(model)s代码“%(code)s”")
                % {"model": self.model._meta.verbose_name, "code": code}
            ) from None
