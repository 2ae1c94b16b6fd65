"""Personal data (RGPD): the person's self-service pages and the staff's export and erasure.

Public pages are reached by a signed link (`privacy.make_token`), never by a
row id; they are never cached (`never_cache`): each shows one person's data.
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import privacy
from .models import ConsentChannel, Person, SuppressionEntry

# --- forms -----------------------------------------------------------------------------


class AccessRequestForm(forms.Form):
    email = forms.EmailField(
        label="votre adresse électronique",
        max_length=254,
        help_text="L'adresse à laquelle vous recevez nos messages. Format attendu : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class DetailsForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = privacy.SELF_SERVICE_FIELDS
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel"}),
            "mobile_phone": forms.TextInput(attrs={"autocomplete": "tel"}),
            "function_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Un nouveau lien vous sera nécessaire si vous changez d'adresse."

    def clean_email(self):
        email = self.cleaned_data["email"]
        if Person.objects.with_email(email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                "Cette adresse est déjà celle d'une autre fiche : écrivez-nous pour regrouper vos fiches."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name", "function_title", "phone", "mobile_phone"):
            if any(c in (cleaned.get(name) or "") for c in "\r\n"):
                self.add_error(name, "Ce champ ne peut pas contenir de retour à la ligne.")
        return cleaned


class SubscriptionsForm(forms.Form):
    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for number, (purpose, label) in enumerate(privacy.PURPOSES.items()):
            self.fields[f"purpose_{number}"] = forms.BooleanField(
                label=label, required=False, initial=current.get(purpose, False)
            )

    def wanted(self):
        return {purpose: self.cleaned_data[f"purpose_{n}"] for n, purpose in enumerate(privacy.PURPOSES)}


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label="Je demande l'effacement de mes données et je comprends que c'est définitif.",
        error_messages={"required": "Cochez la case pour confirmer la demande d'effacement."},
    )


class StaffErasureForm(forms.Form):
    reason = forms.CharField(
        label="motif",
        max_length=200,
        help_text="Par exemple : demande reçue par courrier le 12/03. N'écrivez pas de donnée personnelle ici.",
    )
    confirm = forms.BooleanField(
        label="Je confirme l'effacement : nom, coordonnées et textes libres seront supprimés définitivement.",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )


# --- public pages ----------------------------------------------------------------------


def _bad_link(request, error):
    return render(
        request,
        "contacts/privacy/bad_link.html",
        {"message": error.message, "expired": error.expired},
        status=400 if error.expired else 404,
    )


def _person_or_error(request, token, purpose="access"):
    try:
        return privacy.read_token(purpose, token), None
    except privacy.BadToken as error:
        return None, _bad_link(request, error)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def request_link(request):
    """« Accéder à mes données »: the same answer whether the address is known or not."""
    form = AccessRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        privacy.request_access_link(email=form.cleaned_data["email"])
        return redirect("contacts_public:sent")
    return render(request, "contacts/privacy/request.html", {"form": form})


@login_not_required
@never_cache
@require_GET
def sent(request):
    return render(request, "contacts/privacy/sent.html", {"days": privacy.TOKEN_AGES["access"].days})


def _home_context(person, token, subscriptions_form=None):
    return {
        "person": person,
        "token": token,
        "positions": person.positions.select_related("organisation").order_by("-start_date", "pk"),
        "subscriptions_form": subscriptions_form or SubscriptionsForm(current=privacy.subscriptions(person)),
    }


@login_not_required
@never_cache
@require_GET
def home(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    privacy.mark_own_action(person)
    return render(request, "contacts/privacy/home.html", _home_context(person, token))


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def details(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    form = DetailsForm(request.POST if request.method == "POST" else None, instance=person)
    if request.method == "POST" and form.is_valid():
        changed = privacy.update_details(person=person, data=form.cleaned_data)
        messages.success(request, "Vos coordonnées sont à jour." if changed else "Aucune modification.")
        # A new address makes the old link invalid: continue with a fresh one.
        return redirect("contacts_public:home", token=privacy.make_token("access", person))
    if request.method == "POST":
        person.refresh_from_db()
    return render(request, "contacts/privacy/details.html", {"person": person, "token": token, "form": form})


@login_not_required
@never_cache
@require_POST
def subscriptions(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    form = SubscriptionsForm(request.POST, current=privacy.subscriptions(person))
    form.is_valid()  # optional checkboxes: always valid
    changed = privacy.set_subscriptions(person=person, wanted=form.wanted(), channel=ConsentChannel.WEB_FORM)
    messages.success(request, "Vos abonnements sont enregistrés." if changed else "Aucune modification.")
    return redirect("contacts_public:home", token=token)


def _download(person, fmt, acting_user=None):
    data = privacy.export_person_data(person=person, acting_user=acting_user)
    if fmt == "json":
        content, content_type = privacy.export_json(data), "application/json; charset=utf-8"
    else:
        content, content_type = privacy.export_csv(data), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-{person.pk}.{fmt}"'
    return response


@login_not_required
@never_cache
@require_GET
def export_json(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    privacy.mark_own_action(person)
    return _download(person, "json")


@login_not_required
@never_cache
@require_GET
def export_csv(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    privacy.mark_own_action(person)
    return _download(person, "csv")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def erase(request, token):
    person, error = _person_or_error(request, token)
    if error:
        return error
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        privacy.erase_person(
            person=person, acting_user=None, reason="demande de la personne", channel=ConsentChannel.WEB_FORM
        )
        return redirect("contacts_public:erased")
    return render(request, "contacts/privacy/erase.html", {"person": person, "token": token, "form": form})


@login_not_required
@never_cache
@require_GET
def erased(request):
    return render(request, "contacts/privacy/erased.html")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def reconfirm(request, token):
    """The re-permission link: a button (a GET changes nothing: mail scanners follow links)."""
    person, error = _person_or_error(request, token, purpose="reconfirm")
    if error:
        return error
    if request.method == "POST":
        privacy.reconfirm(person=person)
        return render(
            request,
            "contacts/privacy/reconfirmed.html",
            {"person": person, "access_token": privacy.make_token("access", person)},
        )
    return render(request, "contacts/privacy/reconfirm.html", {"person": person, "token": token})


# --- staff -----------------------------------------------------------------------------


def _staff_context(request, person, form):
    return {
        "person": person,
        "subscriptions": privacy.subscriptions(person),
        "consents": person.consent_events.select_related("actor").order_by("-at", "-pk"),
        "suppressed": bool(person.email) and SuppressionEntry.objects.contains(person.email),
        "can_erase": request.user.has_perm("contacts.delete_person") and not person.is_anonymised,
        "form": form,
    }


@staff_member_required
@permission_required("contacts.change_person", raise_exception=True)
@require_GET
def staff_person(request, pk):
    """One person's RGPD page: consents, subscriptions, export, erasure."""
    person = get_object_or_404(Person, pk=pk)
    privacy.record_view(person=person, acting_user=request.user)
    return render(request, "contacts/privacy/staff_person.html", _staff_context(request, person, StaffErasureForm()))


@staff_member_required
@permission_required("contacts.change_person", raise_exception=True)
@require_GET
def staff_export(request, pk, fmt):
    if fmt not in ("json", "csv"):
        raise Http404("format inconnu")
    person = get_object_or_404(Person, pk=pk)
    return _download(person, fmt, acting_user=request.user)


@staff_member_required
@permission_required("contacts.delete_person", raise_exception=True)
@require_POST
def staff_erase(request, pk):
    person = get_object_or_404(Person, pk=pk)
    form = StaffErasureForm(request.POST)
    if not form.is_valid():
        return render(request, "contacts/privacy/staff_person.html", _staff_context(request, person, form), status=400)
    privacy.erase_person(person=person, acting_user=request.user, reason=form.cleaned_data["reason"])
    messages.success(request, f"Les données de la fiche n° {person.pk} ont été effacées (fiche anonymisée).")
    return redirect("panorama:person_privacy", pk=person.pk)
