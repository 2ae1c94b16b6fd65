from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Login with French labels and the autocomplete hints RGAA 11.13 asks for."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "identifiant"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].label = "mot de passe"
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
