"""The *espace doc* desk: the public consultation request and appointment cancellation, and the staff's
consultations and loans."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crpv.contacts.forms import ErrorsDescribedMixin

from . import desk
from .models import ConsultationRequest, Copy, Loan, Record
from .views_public import visible_records

PAGE_SIZE = 50
VIEW_CONSULTATIONS = "catalogue.view_consultationrequest"
CHANGE_CONSULTATIONS = "catalogue.change_consultationrequest"
VIEW_LOANS = "catalogue.view_loan"
LEND = "catalogue.add_loan"
RETURN = "catalogue.change_loan"


def _staff(perm):
    def wrap(view):
        return staff_member_required(permission_required(perm, raise_exception=True)(view))

    return wrap


# --- Forms ---------------------------------------------------------------------------------


class ConsultationRequestForm(ErrorsDescribedMixin, forms.Form):
    """The public request. `website` is a honeypot, hidden from people and assistive technologies."""

    name = forms.CharField(label="nom et prénom", max_length=200)
    email = forms.EmailField(
        label="courriel",
        max_length=254,
        error_messages={"invalid": "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."},
    )
    organisation_name = forms.CharField(label="structure", max_length=255, required=False)
    copies = forms.ModelMultipleChoiceField(
        label="exemplaires souhaités",
        queryset=Copy.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Facultatif : sans choix, l'équipe prépare le document.",
    )
    wished_slots = forms.CharField(
        label="dates ou créneaux souhaités",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Par exemple : « mardi 14 ou jeudi 16 octobre, le matin ».",
    )
    message = forms.CharField(
        label="message", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    website = forms.CharField(label="Ne pas remplir ce champ", required=False)

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copies"].queryset = record.copies.exclude(status=Copy.Status.WITHDRAWN)
        self.fields["copies"].label_from_instance = lambda c: (
            f"{c.call_number or c.barcode or 'exemplaire'} ({c.get_status_display()})"
        )
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    @property
    def is_robot(self):
        return bool(self.data.get("website"))


class ConsultationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="statut", required=False, choices=[("", "en cours (nouvelles et confirmées)"), ("toutes", "toutes")]
    )
    q = forms.CharField(label="nom, courriel ou titre", required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices += list(ConsultationRequest.Status.choices)


class ConsultationChangeForm(ErrorsDescribedMixin, forms.Form):
    status = forms.ChoiceField(label="statut", choices=ConsultationRequest.Status.choices)
    appointment_on = forms.DateField(
        label="date du rendez-vous",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Fixer ou déplacer le rendez-vous confirme la demande et l'envoie par courriel au demandeur, "
        "avec un lien pour l'annuler.",
    )
    appointment_time = forms.TimeField(
        label="heure du rendez-vous",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    appointment = forms.CharField(
        label="précisions sur le rendez-vous",
        max_length=200,
        required=False,
        help_text="Envoyées avec la confirmation, par exemple « salle de lecture, 2e étage ».",
    )
    done_on = forms.DateField(
        label="consultée le",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Pour le statut « réalisée » ; aujourd'hui si vide.",
    )
    staff_note = forms.CharField(
        label="note de l'équipe", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        day, time = data.get("appointment_on"), data.get("appointment_time")
        data["appointment_at"] = None
        if day and not time and "appointment_time" not in self.errors:
            self.add_error("appointment_time", "Indiquez aussi l'heure du rendez-vous.")
        elif time and not day and "appointment_on" not in self.errors:
            self.add_error("appointment_on", "Indiquez aussi la date du rendez-vous.")
        elif day and time:
            data["appointment_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
        return data


class LendForm(ErrorsDescribedMixin, forms.Form):
    copy_ref = forms.CharField(label="code-barres ou cote de l'exemplaire", max_length=100)
    borrower_name = forms.CharField(label="emprunteur", max_length=200)
    borrower_email = forms.EmailField(
        label="courriel de l'emprunteur",
        max_length=254,
        required=False,
        help_text="Pour les relances ; relie le prêt à la fiche de la base Acteurs qui a cette adresse.",
    )
    borrower_organisation = forms.CharField(label="structure de l'emprunteur", max_length=255, required=False)
    due_on = forms.DateField(label="à rendre le", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label="note", max_length=255, required=False)

    def clean_copy_ref(self):
        ref = self.cleaned_data["copy_ref"].strip()
        copies = list(Copy.objects.select_related("record").filter(Q(barcode=ref) | Q(call_number__iexact=ref))[:2])
        if not copies:
            raise forms.ValidationError("Aucun exemplaire n'a ce code-barres ou cette cote.")
        if len(copies) > 1:
            raise forms.ValidationError("Plusieurs exemplaires ont cette cote : saisissez le code-barres.")
        self.copy = copies[0]
        return ref

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError("La date de retour doit être aujourd'hui ou plus tard.")
        return due_on


class LoanFilterForm(ErrorsDescribedMixin, forms.Form):
    """The loans page's filters, read from the query string (a GET form, no JavaScript needed)."""

    CURRENT, OVERDUE, RETURNED, ALL = "", "retard", "rendus", "tous"

    status = forms.ChoiceField(
        label="statut",
        required=False,
        choices=[(CURRENT, "en cours"), (OVERDUE, "en retard"), (RETURNED, "rendus"), (ALL, "tous")],
    )
    CAPTIONS = {CURRENT: "Prêts en cours", OVERDUE: "Prêts en retard", RETURNED: "Prêts rendus", ALL: "Tous les prêts"}
    q = forms.CharField(
        label="emprunteur, titre, cote ou code-barres",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    du = forms.DateField(
        label="prêtés à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 31/03/2025."},
    )
    au = forms.DateField(
        label="prêtés jusqu'au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 31/03/2025."},
    )
    notice = forms.ModelChoiceField(
        queryset=Record.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Cette notice n'existe pas : tous les prêts sont affichés."},
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            # Links from before the status choice said `?overdue=on`.
            if "status" not in data and data.get("overdue"):
                data["status"] = self.OVERDUE
            # A record's history shows all its loans unless a status is asked for.
            if "status" not in data and data.get("notice"):
                data["status"] = self.ALL
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and start > end:
            self.add_error(
                "au", "Cette date précède la date « prêtés à partir du » : choisissez le même jour ou plus tard."
            )
        return data

    @property
    def valid_data(self):
        """The valid filters: an invalid one is left out, its message shown beside its field."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


# --- Public ---------------------------------------------------------------------------------


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def consultation_request(request, pk):
    """Ask to consult a record's documents on site, on appointment."""
    record = get_object_or_404(visible_records(request), pk=pk)
    form = ConsultationRequestForm(request.POST or None, record=record)
    if request.method == "POST":
        if form.is_robot:
            # Robots get the same page as people, and nothing is written.
            return render(request, "catalogue/desk/consultation_sent.html", {"record": record})
        if form.is_valid():
            data = form.cleaned_data
            desk.request_consultation(
                record=record,
                copies=list(data["copies"]),
                name=data["name"],
                email=data["email"],
                organisation_name=data["organisation_name"],
                wished_slots=data["wished_slots"],
                message=data["message"],
                acting_user=request.user,
            )
            return render(request, "catalogue/desk/consultation_sent.html", {"record": record, "email": data["email"]})
    status = 400 if form.is_bound else 200
    return render(request, "catalogue/desk/consultation_form.html", {"record": record, "form": form}, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def consultation_cancel(request, token):
    """The requester cancels their appointment through the signed link of the confirmation: confirm, then done."""
    try:
        if request.method == "POST":
            consultation = desk.cancel_by_requester(token=token)
            return render(request, "catalogue/desk/appointment_cancelled.html", {"consultation": consultation})
        consultation = desk.read_cancel_token(token)
    except desk.CancelLinkError as error:
        return render(
            request, "catalogue/desk/appointment_bad_link.html", {"message": error.message}, status=error.status
        )
    return render(
        request, "catalogue/desk/appointment_cancel.html", {"consultation": consultation, "place": desk.desk_place()}
    )


# --- Staff: home and consultations ------------------------------------------------------------


@_staff(VIEW_CONSULTATIONS)
@require_GET
def home(request):
    today = timezone.localdate()
    return render(
        request,
        "catalogue/desk/home.html",
        {
            "new_count": ConsultationRequest.objects.filter(status=ConsultationRequest.Status.NEW).count(),
            "confirmed_count": ConsultationRequest.objects.filter(status=ConsultationRequest.Status.CONFIRMED).count(),
            "loan_count": Loan.objects.current().count(),
            "overdue_count": Loan.objects.overdue(today).count(),
            "can_import": request.user.has_perm("catalogue.add_record"),
            "can_view_loans": request.user.has_perm(VIEW_LOANS),
        },
    )


@_staff(VIEW_CONSULTATIONS)
@require_GET
def consultations(request):
    filters = ConsultationFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    found = ConsultationRequest.objects.select_related("record")
    status = data.get("status", "")
    if not status:
        found = found.pending()
    elif status != "toutes":
        found = found.filter(status=status)
    if data.get("q"):
        q = data["q"]
        found = found.filter(Q(name__icontains=q) | Q(email__icontains=q) | Q(record__title__icontains=q))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/desk/consultations.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@_staff(VIEW_CONSULTATIONS)
@require_GET
def consultation(request, pk, form=None):
    consultation = get_object_or_404(ConsultationRequest.objects.select_related("record"), pk=pk)
    if form is None:
        local = timezone.localtime(consultation.appointment_at) if consultation.appointment_at else None
        form = ConsultationChangeForm(
            initial={
                "status": consultation.status,
                "appointment_on": local.date() if local else None,
                "appointment_time": local.time().replace(second=0, microsecond=0) if local else None,
                "appointment": consultation.appointment,
                "staff_note": consultation.staff_note,
                "done_on": consultation.done_on,
            }
        )
    return render(
        request,
        "catalogue/desk/consultation.html",
        {
            "consultation": consultation,
            "copies": consultation.copies.all(),
            "form": form,
            "can_change": request.user.has_perm(CHANGE_CONSULTATIONS) and not consultation.is_closed,
        },
    )


@_staff(CHANGE_CONSULTATIONS)
@require_POST
def consultation_change(request, pk):
    consultation_request = get_object_or_404(ConsultationRequest, pk=pk)
    form = ConsultationChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            changed = desk.change_consultation(
                consultation=consultation_request,
                status=data["status"],
                staff_note=data["staff_note"],
                appointment=data["appointment"],
                appointment_at=data["appointment_at"],
                done_on=data["done_on"],
                acting_user=request.user,
            )
        except desk.DeskError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"Demande enregistrée : {changed.get_status_display()}.")
            return redirect("desk:consultation", pk=pk)
    request.method = "GET"
    response = consultation(request, pk, form=form)
    response.status_code = 400
    return response


# --- Staff: loans ---------------------------------------------------------------------------


@_staff(VIEW_LOANS)
@require_GET
def loans(request):
    """Current loans by default; also overdue or returned ones, all of them, one record's history."""
    today = timezone.localdate()
    filters = LoanFilterForm(request.GET or None)
    data = filters.valid_data
    status = data.get("status") or LoanFilterForm.CURRENT
    found = {
        LoanFilterForm.CURRENT: Loan.objects.current(),
        LoanFilterForm.OVERDUE: Loan.objects.overdue(today),
        LoanFilterForm.RETURNED: Loan.objects.returned(),
        LoanFilterForm.ALL: Loan.objects.all(),
    }[status]
    if data.get("notice"):
        found = found.of_record(data["notice"])
    found = found.search(data.get("q")).lent_between(data.get("du"), data.get("au"))
    by_due_date = status in (LoanFilterForm.CURRENT, LoanFilterForm.OVERDUE)
    found = found.select_related("copy__record", "person").order_by(
        *(("due_on", "pk") if by_due_date else ("-lent_on", "-pk"))
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(loan, loan.is_overdue(today)) for loan in page]
    query = request.GET.copy()
    query.pop("page", None)
    can_return = request.user.has_perm(RETURN)
    return render(
        request,
        "catalogue/desk/loans.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "caption": LoanFilterForm.CAPTIONS[status],
            "history_of": data.get("notice"),
            "by_due_date": by_due_date,
            "show_returned": not by_due_date,
            "column_count": 6 + (not by_due_date) + can_return,
            "overdue_count": Loan.objects.overdue(today).count(),
            "can_lend": request.user.has_perm(LEND),
            "can_return": can_return,
        },
    )


@_staff(LEND)
@require_http_methods(["GET", "POST"])
def lend(request):
    initial = {"due_on": desk.default_due_on()}
    copy_id = request.GET.get("exemplaire", "")
    if copy_id.isdigit():
        copy = Copy.objects.filter(pk=copy_id).first()
        if copy is not None:
            initial["copy_ref"] = copy.barcode or copy.call_number
    form = LendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = desk.lend_copy(
                copy=form.copy,
                borrower_name=data["borrower_name"],
                borrower_email=data["borrower_email"],
                borrower_organisation=data["borrower_organisation"],
                due_on=data["due_on"],
                note=data["note"],
                acting_user=request.user,
            )
        except desk.DeskError as error:
            form.add_error("copy_ref", str(error))
        else:
            messages.success(
                request, f"Prêt enregistré : {loan.copy.record.title}, à rendre le {loan.due_on:%d/%m/%Y}."
            )
            return redirect("desk:loans")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "catalogue/desk/lend.html", {"form": form}, status=status)


@_staff(RETURN)
@require_POST
def return_loan(request, pk):
    loan = get_object_or_404(Loan.objects.select_related("copy__record"), pk=pk)
    try:
        desk.return_loan(loan=loan, acting_user=request.user)
    except desk.DeskError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Retour enregistré : {loan.copy.record.title} ({loan.copy}).")
    return redirect("desk:loans")
