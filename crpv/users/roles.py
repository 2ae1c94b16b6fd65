"""Staff roles and the permissions each one needs for its work.

Each role is a Django group kept in sync after every migration: the table
below is the single source of truth, written out in `docs/roles.md`.
A rule names an app label (every model of the app) or "app.model", and the
actions granted: view, add, change, delete.
"""

ALL = ("view", "add", "change", "delete")
READ = ("view",)

ROLES = {
    "direction": {
        "description": "Pilote l'activité : lit tout, valide le programme, rend compte à la gouvernance.",
        "rules": {
            "programme": ALL,
            "territories": READ,
            "contacts": READ,
            "events": READ,
            "catalogue": READ,
            "core.auditentry": READ,
            "core.outboxmessage": READ,
            "users.user": READ,
        },
    },
    "chargé·e de mission": {
        "description": (
            "Conduit les actions du programme et leurs événements, tient la base Acteurs, complète les territoires."
        ),
        "rules": {
            "programme": ("view", "add", "change"),
            "territories": ("view", "add", "change"),
            "contacts": ("view", "add", "change"),
            "events": ALL,
            "catalogue": READ,
            "core.outboxmessage": READ,
        },
    },
    "documentaliste": {
        "description": "Gère le fonds documentaire, le thésaurus, la veille et la boîte à outils.",
        "rules": {
            "programme": READ,
            "territories": READ,
            "contacts": READ,
            "events": READ,
            "catalogue": ALL,
        },
    },
    "communication": {
        "description": "Anime le site, la lettre d'information et les invitations.",
        "rules": {
            "programme": READ,
            "territories": READ,
            "contacts": ("view", "add", "change"),
            "events": ("view", "change"),
            "catalogue": READ,
            "core.outboxmessage": READ,
        },
    },
    "administrateur": {
        "description": "Gère les comptes, les rôles, les données de référence et la configuration.",
        "rules": {
            "programme": ALL,
            "territories": ALL,
            "contacts": ALL,
            "events": ALL,
            "catalogue": ALL,
            "users": ALL,
            "auth.group": READ,
            "core": ALL,
            "otp_totp": ALL,
        },
    },
}


def sync_roles(**kwargs):
    """Create or update one group per role with exactly its permissions."""
    from django.contrib.auth.models import Group, Permission

    for name, spec in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for target, actions in spec["rules"].items():
            app_label, _, model = target.partition(".")
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if model:
                perms = perms.filter(content_type__model=model)
            wanted.extend(p for p in perms if p.codename.split("_", 1)[0] in actions)
        group.permissions.set(wanted)
