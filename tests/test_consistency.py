"""What no linter checks: dependency direction, French labels, used templates."""

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
CRPV = ROOT / "crpv"

# DESIGN.md: core ← users ← territories ← contacts ← {programme, catalogue} ← events
#            ← {watch, newsletter, evaluation} ← reports ← www
LAYERS = [
    {"core"},
    {"users"},
    {"territories"},
    {"contacts"},
    {"programme", "catalogue"},
    {"events"},
    {"watch", "newsletter", "evaluation"},
    {"reports"},
    {"www"},
]
LAYER_OF = {app: rank for rank, group in enumerate(LAYERS) for app in group}


def crpv_apps():
    return sorted(p.name for p in CRPV.iterdir() if (p / "apps.py").exists())


def imported_crpv_apps(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "crpv" and len(parts) > 1:
                yield parts[1], node.lineno


def test_every_app_has_a_layer():
    assert set(crpv_apps()) <= set(LAYER_OF), "add the new app to LAYERS (and to ARCHITECTURE.md)"


def test_dependencies_point_the_allowed_way():
    violations = []
    for app in crpv_apps():
        for path in (CRPV / app).rglob("*.py"):
            for target, lineno in imported_crpv_apps(path):
                if target == app or target not in LAYER_OF:
                    continue
                if LAYER_OF[target] >= LAYER_OF[app]:
                    violations.append(f"{path.relative_to(ROOT)}:{lineno} {app} → {target}")
    assert violations == []


def test_a_deliberately_wrong_import_is_caught(tmp_path):
    """The checker above can fail: an import from core to www is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from crpv.www.views import home\n", encoding="utf-8")
    assert list(imported_crpv_apps(bad)) == [("www", 1)]
    assert LAYER_OF["www"] >= LAYER_OF["core"]


def _starts_lowercase(label):
    label = str(label)
    first_word = label.split(" ")[0].strip("()«»")
    # Acronyms (QPV, EPCI, SIREN, NPNRU…) keep their capitals.
    return label[:1].islower() or label[:1].isdigit() or (first_word.isupper() and len(first_word) > 1)


def test_verbose_names_are_lowercase_french():
    wrong = []
    for model in apps.get_models():
        if not model.__module__.startswith("crpv."):
            continue
        meta = model._meta
        for label in (meta.verbose_name, meta.verbose_name_plural):
            if not _starts_lowercase(label):
                wrong.append(f"{meta.label}: {label}")
        for field in meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose and field.concrete and not field.auto_created and not _starts_lowercase(verbose):
                wrong.append(f"{meta.label}.{field.name}: {verbose}")
    assert wrong == []


# Templates that Django loads by a name our code never spells out.
IMPLICIT_TEMPLATES = {"registration/login.html", "404.html", "403.html", "500.html"}


def test_every_template_is_used():
    sources = "\n".join(
        p.read_text(encoding="utf-8")
        for p in list(CRPV.rglob("*.py")) + list(CRPV.rglob("*.html")) + list((ROOT / "config").rglob("*.py"))
    )
    unused = []
    for template in (CRPV / "templates").rglob("*.html"):
        name = template.relative_to(CRPV / "templates").as_posix()
        if name in IMPLICIT_TEMPLATES or name.startswith("admin/"):
            continue
        if not re.search(rf"[\"']{re.escape(name)}[\"']", sources):
            unused.append(name)
    assert unused == []


def test_forms_bind_explicit_fields_only():
    """No ModelForm with fields = "__all__" or exclude: no mass assignment."""
    offenders = []
    for path in CRPV.rglob("*.py"):
        if "migrations" in path.parts or path.name == "admin.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s+fields\s*=\s*[\"']__all__[\"']", text, re.M) or re.search(r"^\s+exclude\s*=", text, re.M):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def scheduled_commands(text):
    """[(command, [options])] from the table of docs/deploiement.md between its markers."""
    block = text.split("<!-- scheduled-commands")[1].split("<!-- /scheduled-commands -->")[0]
    found = []
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("`"):
            words = cells[1].strip("`").split()
            found.append((words[0], [w for w in words[1:] if w.startswith("--")]))
    return found


def unknown_commands_or_options(commands):
    from django.core.management import get_commands, load_command_class

    known = get_commands()
    wrong = []
    for name, options in commands:
        if name not in known:
            wrong.append(f"{name}: no such command")
            continue
        parser = load_command_class(known[name], name).create_parser("manage.py", name)
        accepted = {o for action in parser._actions for o in action.option_strings}
        wrong += [f"{name}: no option {o}" for o in options if o not in accepted]
    return wrong


def test_scheduled_commands_in_the_deployment_guide_exist():
    """Every command the guide tells administrators to schedule exists and accepts its options."""
    commands = scheduled_commands((ROOT / "docs" / "deploiement.md").read_text(encoding="utf-8"))
    assert len(commands) >= 5
    assert unknown_commands_or_options(commands) == []


def test_the_scheduled_commands_check_can_fail():
    table = "<!-- scheduled-commands -->\n| quand | commande | pourquoi |\n|---|---|---|\n"
    table += "| 5 min | `expire_offers --dry-wet` | x |\n| 1 h | `send_all_mail` | y |\n<!-- /scheduled-commands -->"
    commands = scheduled_commands(table)
    assert unknown_commands_or_options(commands) == [
        "expire_offers: no option --dry-wet",
        "send_all_mail: no such command",
    ]
