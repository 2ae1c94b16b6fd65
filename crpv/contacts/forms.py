"""Input of the staff screens of the base Acteurs."""

from django import forms
from django.conf import settings

from crpv.core.imports import ALL_OR_NOTHING, VALID_ROWS
from crpv.territories.models import ContratDeVille, Departement, Epci, Qpv

from .importing import COLUMNS
from .models import (
    LegalBasis,
    Membership,
    Network,
    Organisation,
    OrganisationKind,
    Person,
    Position,
    Role,
    Theme,
)
from .segments import CRITERIA_KEYS, POSITION_SCOPES, SUBSCRIPTION_STATES
from .validators import normalise_email

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ErrorsDescribedMixin:
    """Tie each field's error message to its input (`aria-describedby`).

    The templates print a field's errors in an element with the id
    `<auto_id>_erreur` (see includes/_field.html).
    """

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                ids = [f"{self[name].auto_id}_erreur"]
                if field.help_text:
                    ids.append(f"{self[name].auto_id}_helptext")
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class PersonForm(ErrorsDescribedMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile_phone",
            "function_title",
            "legal_basis",
            "themes",
            "departements",
            "epcis",
            "contrats_de_ville",
            "qpvs",
            "notes",
        ]
        widgets = {"themes": forms.CheckboxSelectMultiple, "departements": forms.CheckboxSelectMultiple}

    def clean_email(self):
        email = normalise_email(self.cleaned_data.get("email"))
        if email and Person.objects.with_email(email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Une personne de la base a déjà cette adresse électronique.")
        return email


class OrganisationForm(ErrorsDescribedMixin, forms.ModelForm):
    website = forms.URLField(label="site web", required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "siren", "siret", "address", "postcode", "commune", "website", "notes"]
        help_texts = {
            "siren": "Le SIREN d'un EPCI rattache la structure à son territoire automatiquement.",
            "commune": "Pour une mairie, la commune rattache la structure à son territoire.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = self.fields["commune"].queryset.order_by("name", "code")


class PositionForm(ErrorsDescribedMixin, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["organisation", "role", "start_date", "end_date"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin précède la date de début.")
        return cleaned


class MembershipForm(ErrorsDescribedMixin, forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["network", "start_date", "end_date", "note"]
        widgets = {"start_date": DATE_INPUT, "end_date": DATE_INPUT}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La date de fin précède la date de début.")
        return cleaned


class CriteriaForm(ErrorsDescribedMixin, forms.Form):
    """Filters of the people list and criteria of a segment (same keys).

    Territories, networks and themes are chosen by code or slug, so the
    cleaned data is the JSON stored in `Segment.criteria`.
    """

    q = forms.CharField(label="nom, courriel ou structure", required=False, max_length=100)
    roles = forms.MultipleChoiceField(
        label="rôle", required=False, choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    kinds = forms.MultipleChoiceField(
        label="type de structure", required=False, choices=OrganisationKind.choices, widget=forms.SelectMultiple
    )
    positions = forms.ChoiceField(
        label="postes pris en compte", required=False, choices=list(POSITION_SCOPES.items()), widget=forms.RadioSelect
    )
    departements = forms.MultipleChoiceField(label="département", required=False, widget=forms.CheckboxSelectMultiple)
    epcis = forms.MultipleChoiceField(label="EPCI", required=False)
    contrats = forms.MultipleChoiceField(label="contrat de ville", required=False)
    qpvs = forms.MultipleChoiceField(label="QPV", required=False)
    networks = forms.MultipleChoiceField(label="réseau", required=False, widget=forms.CheckboxSelectMultiple)
    themes = forms.MultipleChoiceField(label="thématique", required=False)
    legal_bases = forms.MultipleChoiceField(
        label="base légale", required=False, choices=LegalBasis.choices, widget=forms.CheckboxSelectMultiple
    )
    subscription = forms.ChoiceField(
        label="abonnement",
        required=False,
        choices=[("", "indifférent"), *SUBSCRIPTION_STATES.items()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departements"].choices = [
            (code, f"{name} ({code})") for code, name in Departement.objects.values_list("code", "name")
        ]
        self.fields["epcis"].choices = list(Epci.objects.order_by("name").values_list("code", "name"))
        self.fields["contrats"].choices = list(ContratDeVille.objects.order_by("name").values_list("code", "name"))
        self.fields["qpvs"].choices = [
            (code, f"{name} ({code})") for code, name in Qpv.objects.order_by("name").values_list("code", "name")
        ]
        self.fields["networks"].choices = list(Network.objects.order_by("name").values_list("slug", "name"))
        self.fields["themes"].choices = list(Theme.objects.order_by("name").values_list("slug", "name"))
        for name in ("kinds", "epcis", "contrats", "qpvs", "themes"):
            self.fields[name].widget.attrs["size"] = 6
        self.fields["q"].widget.input_type = "search"

    def criteria(self):
        """The cleaned criteria without empty keys (call after `is_valid()`)."""
        return {key: self.cleaned_data[key] for key in CRITERIA_KEYS if self.cleaned_data.get(key)}

    def labels(self):
        """{key: {value: label}} and the field titles, for `segments.describe`."""
        labels = {"_titles": {key: self.fields[key].label for key in CRITERIA_KEYS}}
        for key in CRITERIA_KEYS:
            choices = getattr(self.fields[key], "choices", None)
            if choices:
                labels[key] = {str(value): label for value, label in choices}
        return labels


class SegmentForm(CriteriaForm):
    name = forms.CharField(label="nom du segment", max_length=200)
    description = forms.CharField(label="description", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["name", "description"]


def criteria_as_data(criteria):
    """A segment's stored criteria as form data (to bind `CriteriaForm`)."""
    return {key: value for key, value in (criteria or {}).items() if key in CRITERIA_KEYS}


class ImportUploadForm(ErrorsDescribedMixin, forms.Form):
    file = forms.FileField(
        label="fichier de contacts",
        help_text="CSV (séparateur point-virgule ou virgule, UTF-8 ou Windows-1252) ou XLSX.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CRPV_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale ({settings.CRPV_MAX_UPLOAD_MB} Mo).")
        if upload.size == 0:
            raise forms.ValidationError("Le fichier est vide.")
        head = upload.read(4)
        upload.seek(0)
        name = (upload.name or "").lower()
        if head == b"PK\x03\x04":
            self.extension = "xlsx"
        elif name.endswith((".csv", ".txt")):
            self.extension = "csv"
        else:
            raise forms.ValidationError("Seuls les fichiers CSV et XLSX sont acceptés.")
        return upload


class MappingForm(ErrorsDescribedMixin, forms.Form):
    """One choice per column of the file that the French header names did not match."""

    def __init__(self, *args, headers, taken, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "ignorer cette colonne")] + [(c.key, c.label) for c in COLUMNS if c.key not in taken]
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(label=header, choices=choices, required=False)

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"col_{i}") for i in range(len(self.headers))]
        picked = [key for key in chosen if key]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError("Deux colonnes du fichier ne peuvent pas aller dans le même champ.")
        return cleaned

    def mapping(self):
        return {
            header: self.cleaned_data[f"col_{i}"]
            for i, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{i}")
        }


class ImportOptionsForm(ErrorsDescribedMixin, forms.Form):
    mode = forms.ChoiceField(
        label="si des lignes sont en erreur",
        choices=[
            (ALL_OR_NOTHING, "tout ou rien : ne rien importer tant qu'une ligne est en erreur"),
            (VALID_ROWS, "importer les lignes valides et écarter les autres"),
        ],
        initial=ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
    existing = forms.ChoiceField(
        label="personnes déjà dans la base",
        choices=[("update", "compléter leur fiche"), ("skip", "ne pas y toucher")],
        initial="update",
        widget=forms.RadioSelect,
    )


class MergeForm(ErrorsDescribedMixin, forms.Form):
    confirm = forms.BooleanField(label="je confirme la fusion de ces deux fiches", required=True)
