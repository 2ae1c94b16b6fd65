"""The networks the centre runs and the themes of the politique de la ville."""

from django.db import migrations

NETWORKS = [
    ("reseau-des-pilotes", "Réseau des pilotes", "pilotes"),
    ("reseau-cpo-cites-educatives", "Réseau CPO des cités éducatives", "cpo"),
    ("reseau-gusp-tfpb", "Réseau GUSP/TFPB", "gusp_tfpb"),
    ("referents-radicalisation-clspd", "Référents radicalisation et coordonnateurs CLSPD", "radicalisation_clspd"),
    ("formateurs-vrl", "Formateurs VRL", "formateurs_vrl"),
]

THEMES = [
    ("emploi-insertion", "emploi et insertion"),
    ("developpement-economique", "développement économique"),
    ("education-reussite", "éducation et réussite éducative"),
    ("sante", "santé"),
    ("prevention-securite", "prévention de la délinquance et sécurité"),
    ("radicalisation", "prévention de la radicalisation"),
    ("habitat-renouvellement", "habitat et renouvellement urbain"),
    ("cadre-de-vie-gusp", "cadre de vie, GUSP et TFPB"),
    ("participation", "participation des habitants"),
    ("culture", "culture"),
    ("sport", "sport"),
    ("jeunesse", "jeunesse"),
    ("egalite-femmes-hommes", "égalité femmes-hommes"),
    ("discriminations", "lutte contre les discriminations"),
    ("laicite-vrl", "laïcité et valeurs de la République"),
    ("numerique", "inclusion numérique"),
    ("transition-ecologique", "transition écologique"),
    ("evaluation", "observation et évaluation"),
]


def create(apps, schema_editor):
    Network = apps.get_model("contacts", "Network")
    Theme = apps.get_model("contacts", "Theme")
    for slug, name, kind in NETWORKS:
        Network.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind})
    for slug, name in THEMES:
        Theme.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
