from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q

from crpv.catalogue.models import Record
from crpv.contacts.models import Network, Theme
from crpv.territories.models import Departement

from .models import Event, EventDocument, EventFormat, EventMode, QuestionKind
from .models.events import validate_web_url

NO_NEWLINE = "Ce champ ne peut pas contenir de retour à la ligne."


def _single_line(value):
    if "\n" in value or "\r" in value:
        raise ValidationError(NO_NEWLINE)
    return value


class AccessibleErrorsMixin:
    """Link each field's error message to its input (aria-describedby, aria-invalid)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            ids = [f"{bound.auto_id}_erreur"]
            if self.fields[name].help_text:
                ids.append(f"{bound.auto_id}_helptext")
            self.fields[name].widget.attrs.update({"aria-describedby": " ".join(ids), "aria-invalid": "true"})


class PersonFields(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150, validators=[_single_line])
    last_name = forms.CharField(label="Nom", max_length=150, validators=[_single_line])
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        help_text="Format attendu : nom@domaine.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    organisation_name = forms.CharField(
        label="Structure", max_length=250, required=False, validators=[_single_line], help_text="Facultatif"
    )
    function_title = forms.CharField(
        label="Fonction", max_length=250, required=False, validators=[_single_line], help_text="Facultatif"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["function_title"].widget.attrs["autocomplete"] = "organization-title"

    def person_data(self):
        return {
            k: self.cleaned_data.get(k, "")
            for k in ("first_name", "last_name", "email", "organisation_name", "function_title")
        }


class RegistrationForm(AccessibleErrorsMixin, PersonFields):
    """The public registration form, with the event's extra questions.

    `website` is a honeypot: hidden from people (and from assistive
    technologies), filled in by form-filling robots.
    """

    website = forms.CharField(label="Ne pas remplir ce champ", required=False)

    def __init__(self, *args, event, locked_email=None, questions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if locked_email:
            self.fields["email"].disabled = True
            self.fields["email"].initial = locked_email
            self.fields["email"].help_text = "L'adresse à laquelle l'invitation a été envoyée."
        # `questions`: the event's questions when the caller has read them already.
        self.questions = list(event.questions.all()) if questions is None else list(questions)
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = self._field_for(question)

    @staticmethod
    def _field_for(question):
        common = {"label": question.label, "required": question.required, "help_text": question.help_text}
        choices = [(c, c) for c in question.choice_list]
        if question.kind == QuestionKind.LONG_TEXT:
            return forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), **common)
        if question.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        if question.kind == QuestionKind.YES_NO:
            return forms.BooleanField(**common)
        return forms.CharField(max_length=300, validators=[_single_line], **common)

    @property
    def question_fields(self):
        return [self[f"q_{q.pk}"] for q in self.questions]

    @property
    def is_robot(self):
        return bool(self.data.get("website"))

    def answers(self):
        """{question id: {"label", "value"}}, as stored on the registration."""
        return {str(q.pk): {"label": q.label, "value": self.cleaned_data.get(f"q_{q.pk}")} for q in self.questions}


class TeamMemberForm(AccessibleErrorsMixin, PersonFields):
    pass


class ReplacementForm(AccessibleErrorsMixin, PersonFields):
    pass


class InviteForm(AccessibleErrorsMixin, forms.Form):
    emails = forms.CharField(
        label="Adresses des personnes à inviter",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Une adresse par ligne ; seules les personnes de la base Acteurs sont invitées.",
        max_length=100_000,
    )
    network = forms.ModelChoiceField(
        label="ou tout un réseau",
        queryset=Network.objects.order_by("name"),
        required=False,
        empty_label="— aucun —",
        help_text="Les membres actuels du réseau.",
    )

    def clean_emails(self):
        from crpv.contacts.validators import is_valid_email, normalise_email

        lines = [normalise_email(line) for line in self.cleaned_data["emails"].splitlines() if line.strip()]
        bad = [line for line in lines if not is_valid_email(line)]
        if bad:
            raise ValidationError(f"Adresses invalides : {', '.join(bad[:10])}.")
        return lines

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("emails") and not cleaned.get("network") and not self.errors:
            raise ValidationError("Indiquez des adresses ou choisissez un réseau.")
        return cleaned


# --- public agenda -----------------------------------------------------------------


class AgendaFilterForm(forms.Form):
    """Filters of the public agenda (a GET form: works without JavaScript)."""

    format = forms.ChoiceField(label="Format", required=False)
    mode = forms.ChoiceField(label="Modalité", required=False)
    theme = forms.ModelChoiceField(
        label="Thématique", queryset=Theme.objects.none(), required=False, to_field_name="slug", empty_label="toutes"
    )
    territoire = forms.ModelChoiceField(
        label="Département",
        queryset=Departement.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="tous",
        help_text="Événements organisés dans ce département ou qui s'adressent à ses acteurs.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "tous"), *EventFormat.choices]
        self.fields["mode"].choices = [("", "toutes"), *EventMode.choices]
        self.fields["theme"].queryset = Theme.objects.order_by("name")
        region = settings.CRPV_CENTRE["region_code"]
        self.fields["territoire"].queryset = Departement.objects.filter(region__code=region).order_by("code")

    def filter(self, events):
        """The events that match the valid filters (invalid ones are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("format"):
            events = events.filter(format=data["format"])
        if data.get("mode"):
            events = events.filter(mode=data["mode"])
        if data.get("theme"):
            events = events.filter(pk__in=Event.themes.through.objects.filter(theme=data["theme"]).values("event_id"))
        if data.get("territoire"):
            code = data["territoire"].code
            matching = Event.objects.filter(
                Q(target_departements__code=code)
                | Q(commune__departement__code=code)
                | Q(target_epcis__departements__code=code)
            ).values("pk")
            events = events.filter(pk__in=matching)
        return events

    @property
    def active(self):
        return self.is_valid() and any(self.cleaned_data.values())

    # The filters' themes and départements: the same for every visitor and
    # edited a few times a year, so each process keeps them this many seconds
    # (2 queries fewer per agenda page). The events listed are never cached
    # (ADR 0003: they show the seats left).
    CHOICES_CACHE_SECONDS = 60

    @classmethod
    def _choice_rows(cls, name, field):
        key = f"events:agenda-choices:{name}:{settings.CRPV_CENTRE['region_code']}"
        rows = cache.get(key)
        if rows is None:
            rows = list(field.queryset.values_list(field.to_field_name, "name"))
            cache.set(key, rows, cls.CHOICES_CACHE_SECONDS)
        return rows

    def selects(self):
        """The filters as plain data for the template: Django's select widget renders
        one template per option, which made most of the agenda's rendering time."""
        out = []
        for name in self.fields:
            bound = self[name]
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                rows = self._choice_rows(name, field)
                labels = (f"{n} ({k})" if field.to_field_name == "code" else n for k, n in rows)
                options = [("", field.empty_label), *zip((k for k, _ in rows), labels, strict=True)]
            else:
                options = list(field.choices)
            current = str(bound.data or "") if self.is_bound else ""
            out.append(
                {
                    "id": bound.auto_id,
                    "name": bound.html_name,
                    "label": field.label,
                    "help": field.help_text,
                    "options": [(str(v), label, str(v) == current) for v, label in options],
                }
            )
        return out


# --- staff: documents after the event ------------------------------------------------------

# What the staff may attach, by extension, with the first bytes each format starts with.
ZIP_MAGIC = b"PK\x03\x04"
UPLOAD_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".odp": (ZIP_MAGIC,),
    ".pptx": (ZIP_MAGIC,),
    ".docx": (ZIP_MAGIC,),
    ".odt": (ZIP_MAGIC,),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


class EventDocumentForm(AccessibleErrorsMixin, forms.ModelForm):
    """A resource of the event (slides, synthèse, replay link, record of the catalogue).

    A document needs a file, a link or a record; the link is http(s) only.
    """

    url = forms.URLField(
        label="Lien (replay)",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[validate_web_url],
        help_text="Adresse http ou https, par exemple celle du replay sur la plateforme vidéo du centre.",
    )
    record = forms.ModelChoiceField(
        label="Notice du catalogue (numéro)",
        queryset=Record.objects.filter(visibility=Record.Visibility.PUBLIC),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text="Le numéro d'une notice publique du centre de documentation ; son titre renvoie à la notice.",
        error_messages={"invalid_choice": "Aucune notice publique ne porte ce numéro."},
    )

    class Meta:
        model = EventDocument
        fields = ["title", "kind", "file", "url", "record", "public"]
        help_texts = {
            "file": "PDF, présentation (ODP, PPTX), texte (DOCX, ODT) ou image (PNG, JPEG) ; "
            f"{settings.CRPV_MAX_UPLOAD_MB} Mo au plus. Facultatif si un lien ou une notice est indiqué.",
        }

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        suffix = PurePath(upload.name).suffix.lower()
        if suffix not in UPLOAD_SIGNATURES:
            raise ValidationError(
                "Type de fichier refusé : PDF, ODP, PPTX, DOCX, ODT, PNG ou JPEG seulement.", code="bad_extension"
            )
        if upload.size > settings.CRPV_MAX_UPLOAD_MB * 1024 * 1024:
            raise ValidationError(
                f"Le fichier dépasse la taille maximale ({settings.CRPV_MAX_UPLOAD_MB} Mo).", code="too_large"
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not head.startswith(UPLOAD_SIGNATURES[suffix]):
            raise ValidationError("Le contenu du fichier ne correspond pas à son extension.", code="bad_content")
        return upload


# --- staff: counts over a period ---------------------------------------------------------------


class StatsPeriodForm(forms.Form):
    debut = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}))
    fin = forms.DateField(label="Au (inclus)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("debut") and cleaned.get("fin") and cleaned["fin"] < cleaned["debut"]:
            raise ValidationError("La fin de la période précède son début.")
        return cleaned
