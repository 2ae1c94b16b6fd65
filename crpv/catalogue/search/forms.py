"""Input of the catalogue search and of saved searches."""

from django import forms

from ..formats.base import RECORD_TYPES
from ..models import Concept, SavedSearch
from .engine import SORTS, YEAR_RANGES, Filters
from .query import MAX_QUERY_LENGTH


class StringListField(forms.Field):
    """Repeated GET values (checkboxes) kept as a list of short strings."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, max_items=50, max_length=200, digits=False, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_items, self.max_length, self.digits = max_items, max_length, digits

    def to_python(self, value):
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        cleaned = []
        for v in values[: self.max_items]:
            v = str(v).strip()[: self.max_length]
            if v and (not self.digits or v.isdigit()) and v not in cleaned:
                cleaned.append(v)
        return cleaned


class SearchForm(forms.Form):
    q = forms.CharField(label="mots recherchés", required=False, max_length=MAX_QUERY_LENGTH)
    type = forms.MultipleChoiceField(label="type de document", required=False, choices=list(RECORD_TYPES.items()))
    theme = StringListField(label="thème")
    annee = forms.MultipleChoiceField(
        label="année", required=False, choices=[(k, v[0]) for k, v in YEAR_RANGES.items()]
    )
    territoire = StringListField(label="territoire", max_length=20)
    auteur = StringListField(label="auteur", digits=True, max_length=12)
    disponible = forms.BooleanField(label="disponible", required=False)
    sujet = forms.IntegerField(label="descripteur", required=False, min_value=1)
    tri = forms.ChoiceField(
        label="trier par", required=False, choices=[(k, v) for k, v in SORTS.items() if k != "recent"]
    )
    page = forms.IntegerField(required=False, min_value=1)

    def cleaned(self):
        """The valid part of the input: a bad value is dropped, never an error page."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if name not in self.errors}

    def search_arguments(self):
        data = self.cleaned()
        subject = None
        if data.get("sujet"):
            subject = Concept.objects.filter(pk=data["sujet"]).first()
        filters = Filters(
            types=data.get("type") or [],
            themes=data.get("theme") or [],
            years=data.get("annee") or [],
            territories=data.get("territoire") or [],
            authors=data.get("auteur") or [],
            available=bool(data.get("disponible")),
            subject=subject,
        )
        return {
            "query": data.get("q") or "",
            "filters": filters,
            "sort": data.get("tri") or "pertinence",
            "page": data.get("page") or 1,
        }


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["email", "label"]
        labels = {"email": "votre adresse électronique", "label": "nom de l'alerte (facultatif)"}

    def __init__(self, *args, query_string="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].required = False
        self.query_string = query_string

    def clean(self):
        data = super().clean()
        if not self.query_string:
            raise forms.ValidationError("Lancez d'abord une recherche : l'alerte suit ses nouveaux résultats.")
        return data
