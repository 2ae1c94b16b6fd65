"""The 2025 IREV seed, read by hand: every axis, action and quantified target.

The expected targets below were listed by reading the seed, not by running
the parser. Policy (see `parsing.extract_targets`): a count with a unit of
the centre's work; "un/une" count for events only; past work (a sentence
that only names years before 2025), optional work ("éventuellement",
"Optionnel") and durations per session ("2 journées par séance") are not
targets. The 4 bullet points under "Des webinaires" (III.2) make 4 webinaires.
"""

import pytest

from crpv.programme.parsing import fold

AXES = [
    (1, "I", "Conduire et animer la Politique de la ville et le Contrat de ville"),
    (2, "II", "Soutenir les transformations urbaines et la transition écologique"),
    (3, "III", "Soutenir la culture de l'égalité pour prévenir les discriminations"),
    (4, "IV", "L'éducation : un levier d'égalité pour la jeunesse des quartiers prioritaires"),
    (5, "V", "Prévenir les radicalités sociales"),
    (6, "VI", "Participation aux réseaux nationaux"),
    (7, "VII", "Information, documentation, communication"),
]

# (axis, position): (printed number, title for display)
ACTIONS = {
    (1, 1): (1, "Suivre et évaluer les contrats de ville"),
    (1, 2): (2, "La mobilisation des politiques publiques au service des habitants des quartiers"),
    (1, 3): (3, "Animer le projet de quartier"),
    (1, 4): (4, "Soutenir la participation, Pourquoi et comment donner une place aux habitants ?"),
    (1, 5): (5, "Panorama des professionnels de la politique de la ville en Hauts-de-France"),
    (1, 6): (6, "Déploiement du module Initiation à la Politique de la ville"),
    (1, 7): (7, "Réseau des Pilotes des contrats de ville"),
    (1, 8): (8, "Appui ponctuel aux territoires"),
    (2, 1): (1, "Cycle de qualification Transitions et Contrat de ville"),
    (2, 2): (1, "Gestion urbaine et sociale de proximité et enjeux de transition"),
    (2, 3): (2, "Les mobilités durables"),
    (2, 4): (3, "Dynamisation des cellules commerciales en quartier prioritaire : Quels leviers ?"),
    (2, 5): (
        4,
        "Ecole en transitions : De la rénovation des bâtiments scolaires à la transformation écologique"
        " du projet de quartier",
    ),
    (3, 1): (1, "Accompagner les territoires dans leurs démarches territoriales"),
    (3, 2): (2, "Sensibiliser, premier jalon d'une culture commune de l'égalité"),
    (3, 3): (
        3,
        "Alimenter une culture commune de l'égalité en impliquant les pilotes de la politique de la ville"
        " et les acteurs du droit commun",
    ),
    (3, 4): (4, "Discriminations-Mixité et Cités éducatives « Le Lab Mixités »"),
    (3, 5): (
        5,
        "Favoriser la santé des habitant.es tout au long de la vie : Regards croisés sur les territoires"
        " qui développent une urbanité sportive",
    ),
    (4, 1): (1, "« Jeunesse et quartiers : écouter, comprendre, agir »"),
    (4, 2): (2, "Les cités éducatives et les questions éducatives des contrats de ville"),
    (5, 1): (1, "Faire vivre le Centre de ressources Prévention des radicalités sociales"),
    (5, 2): (2, "Contribuer au déploiement régional du plan de formation « Valeurs de la République et laïcité »"),
    (6, 1): (1, "Réseau national des CRPV et lien à l'ANCT"),
    (6, 2): (2, "Réseau RECI"),
    (7, 1): (1, "Animation du site internet et diffusion de l'information"),
    (7, 2): (2, "Espace doc"),
    (7, 3): (3, "Communication"),
}

# (axis, position, quantity, quantity_max, approximate, unit, period, format, start of the source sentence)
TARGETS = [
    (1, 1, 1, None, False, "cycle", "total", "unspecified", "Publics / modalités : 1 cycle inter-acteurs"),
    (1, 6, 5, None, False, "session", "total", "unspecified", "Cinq sessions du module pourront être déployées"),
    (1, 7, 4, None, False, "session", "an", "distanciel", "Ces rencontres en visio sont organisées"),
    (2, 1, 1, None, False, "cycle", "total", "unspecified", "Fort de cette expérience, l'IREV propose"),
    (2, 1, 30, None, True, "participant", "total", "unspecified", "Fort de cette expérience, l'IREV propose"),
    (2, 2, 3, None, False, "rencontre", "total", "distanciel", "Format : 3 rencontres de réseau (en visio)"),
    (2, 2, 1, None, False, "rencontre", "total", "presentiel", "Format : 3 rencontres de réseau (en visio)"),
    (2, 3, 1, None, False, "visite", "total", "presentiel", "Après 2 années à outiller les acteurs"),
    (2, 4, 4, 5, False, "territoire", "total", "unspecified", "Le groupe ainsi constitué identifierait sur 4 ou 5"),
    (2, 4, 1, None, False, "journee", "total", "unspecified", "Cette synthèse finale servira ensuite"),
    (2, 5, 1, None, False, "rencontre", "total", "unspecified", "puis d'organiser un temps fort de lancement"),
    (2, 5, 1, None, False, "cycle", "total", "unspecified", "Un cycle de qualification sera ensuite ouvert"),
    (2, 5, 4, 5, False, "territoire", "total", "unspecified", "Le cycle de qualification pourra accueillir 4 à 5"),
    (3, 2, 4, None, False, "webinaire", "total", "distanciel", "Des webinaires : Discriminations et pouvoir d'agir"),
    (3, 3, 1, None, False, "conference", "total", "unspecified", "Une conférence régionale sur la thématique"),
    (3, 3, 1, None, False, "session", "total", "unspecified", "Dans le cadre de l'essaimage national, une session"),
    (3, 3, 1, None, False, "session", "total", "unspecified", "Une session avec une approche généraliste"),
    (3, 3, 1, None, False, "session", "total", "unspecified", "Une session dédiée aux acteurs du logement social"),
    (3, 3, 1, None, False, "cycle", "total", "unspecified", "Expérimentation d'un cycle de qualification"),
    (3, 3, 4, None, False, "journee", "total", "unspecified", "Adossé à des partenaires du secteur de l'insertion"),
    (3, 4, 2, None, False, "webinaire", "total", "distanciel", "Mettre en œuvre deux webinaires"),
    (3, 4, 1, None, False, "demi_journee", "total", "unspecified", "Une ½ journée d'échanges dédiée aux CPO"),
    (3, 5, 1, None, False, "webinaire", "total", "distanciel", "De mettre en œuvre un webinaire"),
    (3, 5, 1, None, False, "visite", "total", "presentiel", "Mettre en œuvre une visite de site apprenante"),
    (4, 1, 2, 3, False, "territoire", "total", "unspecified", "Afin d'approfondir les travaux sur les enjeux"),
    (4, 2, 2, None, False, "journee", "total", "unspecified", "L'IREV poursuivra l'animation du réseau des Chefs"),
    (4, 2, 4, None, False, "evenement", "total", "hybride", "La diffusion de connaissances et de retours"),
    (5, 1, 5, None, False, "journee", "an", "unspecified", "Un ou plusieurs territoires (du Conseil local"),
    (5, 1, 2, None, False, "rencontre", "an", "distanciel", "Objectif : 2 rencontres en visio par an"),
    (5, 2, 8, None, False, "journee", "total", "unspecified", "L'organisation dans le cadre du plan régional"),
    (5, 2, 1, 2, False, "rencontre", "an", "unspecified", "La contribution à l'animation du réseau des formateurs"),
    (6, 1, 3, None, False, "reunion", "an", "unspecified", "3 réunions / an avec l'ANCT"),
    (6, 1, 1, 2, False, "appel", "an", "unspecified", "La réponse aux appels à contribution de l'ANCT (1 à 2/an)"),
    (6, 2, 5, None, False, "territoire", "total", "unspecified", "Les discriminations dans le champ du logement"),
]


def test_title_year_and_intro(seed):
    assert seed.title == "Programme 2025"
    assert seed.year == 2025
    assert seed.intro.startswith("L'IREV, en tant que centre de ressources")
    # The outline of the intro ("1. Conduire et animer…") is not an axis nor an action.
    assert "5. Prévenir les radicalités sociales" in seed.intro


def test_axes(seed):
    assert [(a.number, a.roman, a.title) for a in seed.axes] == AXES


def test_actions_follow_the_outline(seed):
    parsed = {
        (axis.number, action.position): (action.number, action.title) for axis in seed.axes for action in axis.actions
    }
    assert parsed == ACTIONS
    # Every action of the table of contents, and nothing more: no duplicate from the outline.
    outline = [e for e in seed.toc if e.kind == "action"]
    assert len(outline) == len(ACTIONS) == 27
    assert [fold(e.title) for e in outline] == [fold(a.title) for axis in seed.axes for a in axis.actions]


def test_every_quantified_target_with_its_sentence(seed):
    parsed = [
        (axis.number, action.position, t.quantity, t.quantity_max, t.approximate, t.unit, t.period, t.format, t.source)
        for axis in seed.axes
        for action in axis.actions
        for t in action.targets
    ]
    assert len(parsed) == len(TARGETS) == 34
    for got, expected in zip(parsed, TARGETS, strict=True):
        assert got[:8] == expected[:8], got
        assert got[8].startswith(expected[8]), got


@pytest.mark.parametrize(
    "false_target",
    [
        "0.5 jour",
        "M2",
        "14-25 ans",
        "16-25 ans",
        "1H30",
        "2 journées par séance",
        "1 journée par séance",
        "4 territoires",
    ],
)
def test_no_false_target_from_the_seed(seed, false_target):
    for axis in seed.axes:
        for action in axis.actions:
            for target in action.targets:
                if false_target in target.source:
                    assert f"{target.quantity} " not in false_target, (false_target, target)


def test_sentences_are_kept_whole(seed):
    i6 = seed.axes[0].actions[5]
    assert i6.targets[0].source == (
        "Cinq sessions du module pourront être déployées : 2 à l'initiative de l'IREV (1 par semestre) "
        "et 3 sur demande des territoires pour des collectifs locaux / départementaux."
    )


def test_calendar_partners_deliverables_objectives(seed):
    axis_ii = seed.axes[1]
    windows = [(w.label, w.start_month, w.end_month, w.end_year) for w in axis_ii.actions[3].calendar]
    assert windows == [("Février à juin 2025", 2, 6, 2025), ("Septembre - novembre 2025", 9, 11, 2025)]
    assert [w.label for w in axis_ii.actions[4].calendar] == [
        "Janvier février 2025",
        "Septembre à décembre 2025",
        "Janvier – avril 2026",
    ]
    gusp = axis_ii.actions[1]
    assert {p.short_name or p.name for p in gusp.partners} == {"URH", "MEL", "Université de Lille"}
    assert {p.short_name for p in seed.axes[0].actions[1].partners} == {"C2RP", "DRAC"}
    assert [d.kind for d in seed.axes[0].actions[4].deliverables] == ["infographie"]
    assert ("synthese", "Synthèse finale") in [(d.kind, d.label) for d in axis_ii.actions[3].deliverables]
    assert len(seed.axes[0].actions[0].objectives) == 3
    assert len(axis_ii.objectives) == 3
    # Past windows ("avril 2024", "mars 2023") are history, not calendar.
    assert all(w.end_year >= 2025 for a in seed.axes for x in a.actions for w in x.calendar)
