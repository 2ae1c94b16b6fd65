"""Staff web import of records: upload, preview (dry run), import in the chosen mode, report.

The import runs synchronously: files are bounded by `CRPV_MAX_UPLOAD_MB`, and
`import_records` writes thousands of records a second.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from crpv.contacts.forms import ErrorsDescribedMixin

from . import desk, formats
from .models import ImportBatch, RecordUpload
from .operations import ALL_OR_NOTHING, VALID_ONLY

IMPORT = "catalogue.add_record"
PREVIEW_RECORDS = 20
PREVIEW_PROBLEMS = 500
MODES = [
    (ALL_OR_NOTHING, "tout ou rien : refuser le lot s'il contient une notice en erreur"),
    (VALID_ONLY, "importer les notices valides et écarter celles en erreur"),
]


def _staff(view):
    return staff_member_required(permission_required(IMPORT, raise_exception=True)(view))


class UploadForm(ErrorsDescribedMixin, forms.Form):
    file = forms.FileField(
        label="fichier de notices",
        help_text="ISO 2709 (MARC 21, UNIMARC), MARCXML, RIS, BibTeX ou CSV.",
    )
    file_format = forms.ChoiceField(
        label="format",
        required=False,
        choices=[("", "reconnaître le format automatiquement"), *formats.IMPORT_FORMATS.items()],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CRPV_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale ({settings.CRPV_MAX_UPLOAD_MB} Mo).")
        if upload.size == 0:
            raise forms.ValidationError("Le fichier est vide.")
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None and not cleaned.get("file_format"):
            head = upload.read(4096)
            upload.seek(0)
            detected = desk.detect_format(head, upload.name)
            if not detected:
                self.add_error("file_format", "Format non reconnu : choisissez-le dans la liste.")
            cleaned["file_format"] = detected
        return cleaned


class ConfirmForm(forms.Form):
    mode = forms.ChoiceField(label="mode d'import", choices=MODES, initial=ALL_OR_NOTHING, widget=forms.RadioSelect)


@_staff
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        record_upload = desk.store_record_upload(
            upload=form.cleaned_data["file"], file_format=form.cleaned_data["file_format"], acting_user=request.user
        )
        return redirect("desk:import_preview", pk=record_upload.pk)
    batches = ImportBatch.objects.select_related("created_by")[:10]
    status = 400 if form.is_bound else 200
    return render(request, "catalogue/desk/import_upload.html", {"form": form, "batches": batches}, status=status)


def _own_upload(request, pk):
    uploads = RecordUpload.objects.all()
    if not request.user.is_superuser:
        uploads = uploads.filter(created_by=request.user)
    return get_object_or_404(uploads, pk=pk)


@_staff
@require_http_methods(["GET", "POST"])
def preview(request, pk):
    record_upload = _own_upload(request, pk)
    if record_upload.batch_id is not None:
        return redirect("desk:import_report", pk=record_upload.batch_id)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = desk.import_upload(
            record_upload=record_upload, mode=form.cleaned_data["mode"], acting_user=request.user
        )
        if report.written:
            messages.success(request, report.summary)
            return redirect("desk:import_report", pk=report.batch_id)
        messages.error(request, report.summary)
        return redirect("desk:import_preview", pk=record_upload.pk)
    parsed = desk.parse_upload(record_upload)
    report = desk.preview_upload(record_upload)
    return render(
        request,
        "catalogue/desk/import_preview.html",
        {
            "record_upload": record_upload,
            "format_label": formats.IMPORT_FORMATS.get(record_upload.file_format, record_upload.file_format),
            "report": report,
            "first_records": parsed.records[:PREVIEW_RECORDS],
            "errors": [(e.position, e.reason) for e in report.errors[:PREVIEW_PROBLEMS]],
            "duplicates": report.duplicates[:PREVIEW_PROBLEMS],
            "warnings": report.warnings[:PREVIEW_PROBLEMS],
            "valid_count": report.total - len(report.errors) - len(report.duplicates),
            "form": form,
        },
    )


@_staff
@require_GET
def report(request, pk):
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=pk)
    data = batch.report or {}
    return render(
        request,
        "catalogue/desk/import_report.html",
        {
            "batch": batch,
            "errors": data.get("errors", []),
            "duplicates": data.get("duplicates", []),
            "records": batch.records.order_by("pk")[:PREVIEW_RECORDS],
        },
    )
