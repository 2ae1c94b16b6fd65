import hashlib

from django import forms
from django.conf import settings

from crpv.programme.parsing import ParseError, parse_file


class ImportForm(forms.Form):
    file = forms.FileField(
        label="fichier du programme",
        help_text="au format .txt ou .docx, tel que le centre l'écrit",
    )
    year = forms.IntegerField(
        label="année du programme",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="facultatif : par défaut, l'année lue dans le titre du document",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith((".txt", ".docx")):
            raise forms.ValidationError("Le fichier doit être en .txt ou .docx.")
        limit = settings.CRPV_MAX_UPLOAD_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(f"Le fichier dépasse la taille maximale de {settings.CRPV_MAX_UPLOAD_MB} Mo.")
        data = upload.read()
        if not data.strip():
            raise forms.ValidationError("Le fichier est vide.")
        self.data_bytes = data
        return upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        try:
            parsed = parse_file(upload.name, self.data_bytes, year=cleaned.get("year"))
        except ParseError as exc:
            where = f" (ligne {exc.line})" if exc.line else ""
            self.add_error("file", f"{upload.name}{where} : {exc.message}")
            return cleaned
        year = cleaned.get("year") or parsed.year
        if not year:
            self.add_error("year", "L'année n'apparaît pas dans le titre du document : indiquez-la.")
            return cleaned
        cleaned["parsed"] = parsed
        cleaned["year"] = year
        cleaned["sha256"] = hashlib.sha256(self.data_bytes).hexdigest()
        return cleaned
