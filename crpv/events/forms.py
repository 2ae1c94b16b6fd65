from django import forms
from django.core.exceptions import ValidationError

from crpv.contacts.models import Network

from .models import QuestionKind

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

    def __init__(self, *args, event, locked_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if locked_email:
            self.fields["email"].disabled = True
            self.fields["email"].initial = locked_email
            self.fields["email"].help_text = "L'adresse à laquelle l'invitation a été envoyée."
        self.questions = list(event.questions.all())
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
