import re

from django import forms

from ..formats.base import RECORD_TYPES
from ..models import WeedingDecision
from .candidates import CRITERIA_LABELS


class CandidateFilterForm(forms.Form):
    record_type = forms.ChoiceField(
        label="type de document", required=False, choices=[("", "tous")] + list(RECORD_TYPES.items())
    )
    criterion = forms.ChoiceField(
        label="critère", required=False, choices=[("", "tous")] + list(CRITERIA_LABELS.items())
    )
    include_reviewed = forms.BooleanField(label="montrer aussi les exemplaires gardés", required=False)


class TargetsField(forms.Field):
    """Keys « copy:12 » / « record:3 » from the candidate table's checkboxes."""

    widget = forms.MultipleHiddenInput
    _KEY = re.compile(r"^(copy|record):\d+$")

    def to_python(self, value):
        return [v for v in (value or []) if v]

    def validate(self, value):
        super().validate(value)
        if any(not self._KEY.match(v) for v in value):
            raise forms.ValidationError("Élément inconnu dans la sélection.")


class DecisionForm(forms.Form):
    targets = TargetsField(label="éléments choisis", error_messages={"required": "Cochez au moins un document."})
    decision = forms.ChoiceField(
        label="décision", choices=[c for c in WeedingDecision.Decision.choices if c[0] != "propose"]
    )
    reason = forms.CharField(label="motif", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    partner = forms.CharField(label="partenaire destinataire", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("decision") == WeedingDecision.Decision.PARTNER and not data.get("partner", "").strip():
            self.add_error("partner", "Indiquez le partenaire à qui le document est proposé.")
        return data
