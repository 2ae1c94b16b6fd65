"""Staff pages of the panorama des professionnels: the page, its PDF and PNG infographic."""

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import panorama as panorama_lib


class YearForm(forms.Form):
    annee = forms.TypedChoiceField(label="année", coerce=int)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].choices = [(y, str(y)) for y in years]


def _panorama(request):
    years = panorama_lib.available_years()
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["annee"] if form.is_bound and form.is_valid() else timezone.localdate().year
    if not form.is_bound:
        form = YearForm(initial={"annee": year}, years=years)
    return form, panorama_lib.build(year)


def _context(form, panorama):
    charts = panorama_lib.chart_uris(panorama)
    return {
        "form": form,
        "panorama": panorama,
        "sections": [(d, charts[d.key]) for d in panorama.dimensions],
        "movements_chart": charts["movements"],
    }


@staff_member_required
@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def index(request):
    form, panorama = _panorama(request)
    status = 400 if form.errors else 200
    return HttpResponse(
        render_to_string("contacts/panorama.html", _context(form, panorama), request=request), status=status
    )


@staff_member_required
@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def infographic_pdf(request):
    from weasyprint import HTML

    form, panorama = _panorama(request)
    html = render_to_string("contacts/panorama_infographic.html", _context(form, panorama), request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="panorama-professionnels-{panorama.year}.pdf"'
    return response


@staff_member_required
@permission_required("contacts.view_person", raise_exception=True)
@require_GET
def infographic_png(request):
    _, panorama = _panorama(request)
    response = HttpResponse(panorama_lib.infographic_png(panorama), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="panorama-professionnels-{panorama.year}.png"'
    return response
