"""What `evote demo --platform` fills its processes with: texts, sample ideas, reactions.

Plain data, read by cli/demo_platform.py. Days are offsets from the demo's day
(negative: in the past); an idea's ``by`` names a sample resident (`AUTHORS`) or
``paper`` (typed in by the demo admin from the town hall's box).
"""

from __future__ import annotations

from dataclasses import dataclass

MUNICIPALITY = "33021"  # Poperinge
POSTAL_CODE = "8970"
DISTRICTS = ("Poperinge", "Proven", "Reningelst", "Roesbrugge-Haringe", "Watou", "Krombeke")
COST_CAP = 40_000
INITIATIVE_SUPPORTS = 3

DOMAINS = (  # Rueil-Malmaison's seven policy domains
    {"id": "mobility", "name": {"nl": "Mobiliteit", "fr": "Mobilité", "en": "Mobility"}},
    {"id": "environment",
     "name": {"nl": "Milieu en natuur", "fr": "Environnement", "en": "Environment"}},
    {"id": "culture",
     "name": {"nl": "Cultuur en erfgoed", "fr": "Culture et patrimoine",
              "en": "Culture and heritage"}},
    {"id": "sport",
     "name": {"nl": "Sport en vrije tijd", "fr": "Sport et loisirs", "en": "Sport and leisure"}},
    {"id": "solidarity",
     "name": {"nl": "Solidariteit en welzijn", "fr": "Solidarité", "en": "Solidarity"}},
    {"id": "public-space",
     "name": {"nl": "Publieke ruimte", "fr": "Espace public", "en": "Public space"}},
    {"id": "education",
     "name": {"nl": "Onderwijs en jeugd", "fr": "Éducation et jeunesse",
              "en": "Education and youth"}},
)  # fmt: skip

# (phase, first day, last day) as offsets from today; None: open-ended
PROPOSALS_PHASES = (
    ("information", -30, -15), ("proposals", -14, 14), ("screening", 15, 28),
    ("shortlist", 29, 35), ("vote", 36, 49), ("results", 50, 56), ("follow-up", 57, None),
)  # fmt: skip
VOTE_PHASES = (
    ("information", -70, -56), ("proposals", -55, -30), ("screening", -29, -15),
    ("shortlist", -14, -2), ("vote", -1, 6), ("results", 7, 13), ("follow-up", 14, None),
)  # fmt: skip

PROPOSALS_TITLE = {
    "nl": "Poperinge beslist mee: uw ideeën voor de stad",
    "fr": "Poperinge décide avec vous : vos idées pour la ville",
    "en": "Poperinge decides with you: your ideas for the town",
}
PROPOSALS_TEXT = {
    "nl": "Heeft u een idee dat Poperinge en zijn deelgemeenten beter maakt? Dien het in tot "
    "het einde van de ideeënfase. Elk idee kost hoogstens 40.000 euro en past in een van de "
    "zeven domeinen. Alleen geverifieerde inwoners dienen ideeën in; iedereen met een "
    "bevestigd account mag reageren. Een idee dat 3 geverifieerde inwoners steunen, wordt "
    "een burgerinitiatief: de gemeenteraad antwoordt binnen 60 dagen.\n\nDaarna toetst de "
    "stad elk idee, stelt een shortlist op en legt die aan u voor in een geheime, "
    "verifieerbare stemming.",
    "fr": "Vous avez une idée pour améliorer Poperinge et ses villages ? Déposez-la jusqu'à "
    "la fin de la phase des idées. Chaque idée coûte au plus 40 000 euros et relève d'un des "
    "sept domaines. Seuls les habitants vérifiés déposent des idées ; tout compte confirmé "
    "peut réagir. Une idée soutenue par 3 habitants vérifiés devient une initiative "
    "citoyenne : le conseil communal répond dans les 60 jours.\n\nEnsuite, la ville examine "
    "chaque idée, établit une liste restreinte et vous la soumet lors d'un vote secret et "
    "vérifiable.",
    "en": "Do you have an idea that makes Poperinge and its villages better? Propose it until "
    "the end of the proposals phase. Each idea costs at most 40,000 euros and belongs to one "
    "of the seven domains. Only verified residents propose ideas; anyone with a confirmed "
    "account may react. An idea that 3 verified residents support becomes a residents' "
    "initiative: the council answers within 60 days.\n\nThen the town screens every idea, "
    "draws up a shortlist and puts it to you in a secret, verifiable vote.",
}
VOTE_TITLE = {
    "nl": "Buurtbudget: kies de projecten",
    "fr": "Budget de quartier : choisissez les projets",
    "en": "Neighbourhood budget: choose the projects",
}
VOTE_TEXT = {
    "nl": "Inwoners dienden ideeën in, de stad toetste ze aan de criteria (een idee boven "
    "40.000 euro werd geweigerd, met de reden erbij) en vijf projecten staan op de "
    "shortlist. Kies er hoogstens drie: de projecten met de meeste stemmen worden uitgevoerd "
    "zolang het budget van 100.000 euro reikt.",
    "fr": "Les habitants ont proposé des idées, la ville les a examinées selon les critères "
    "(une idée au-delà de 40 000 euros a été refusée, avec sa raison) et cinq projets sont "
    "retenus. Choisissez-en trois au plus : les projets les plus soutenus sont réalisés tant "
    "que le budget de 100 000 euros le permet.",
    "en": "Residents proposed ideas, the town screened them against the criteria (an idea over "
    "40,000 euros was refused, with the reason) and five projects are on the shortlist. "
    "Choose at most three: the projects with most votes are carried out while the budget of "
    "100,000 euros lasts.",
}
VOTE_QUESTION = {
    "nl": "Welke projecten wilt u uitgevoerd zien? Kies er hoogstens drie.",
    "fr": "Quels projets voulez-vous voir réalisés ? Choisissez-en trois au plus.",
    "en": "Which projects do you want carried out? Choose at most three.",
}
VOTE_BUDGET = 100_000


@dataclass(frozen=True)
class SampleIdea:
    key: str
    by: str  # a key of AUTHORS, or "paper"
    day: int
    language: str
    domain: str
    district: str
    cost: int
    title: str
    text: str
    project: dict[str, str] | None = None  # the shortlist's title (the vote process)
    final_cost: int | None = None  # screened eligible at this cost; None: refused


# key: (display name, language, verified); e-mail <key>@example.be, never printed
AUTHORS = {
    "jonas": ("Jonas V.", "nl", True), "karine": ("Karine L.", "fr", True),
    "luc": ("Luc M.", "nl", True), "mira": ("Mira D.", "nl", True),
    "olivia": ("Olivia W.", "fr", True), "pieter": ("Pieter C.", "nl", True),
    "rania": ("Rania J.", "fr", False),  # not verified: reacts and supports, never counts
}  # fmt: skip

PROPOSALS_IDEAS = (
    SampleIdea("bikes", "jonas", -12, "nl", "mobility", "Poperinge", 25_000,
               "Overdekte fietsenstalling aan het station",
               "Aan het station van Poperinge staan de fietsen in weer en wind en is er te weinig "
               "plaats. Een overdekte fietsenstalling met 120 plaatsen, verlichting en een "
               "laadpunt voor elektrische fietsen maakt de trein aantrekkelijker."),
    SampleIdea("bikes-again", "pieter", -6, "nl", "mobility", "Poperinge", 30_000,
               "Meer overdekte fietsenstallingen bij het station",
               "Bij het station van Poperinge is er veel te weinig plaats voor fietsen en ze "
               "staan in de regen. Graag extra overdekte fietsenstallingen, liefst met "
               "verlichting."),
    SampleIdea("benches", "mira", -11, "nl", "public-space", "Proven", 8_000,
               "Zitbanken langs de wandelroute in Proven",
               "Langs de wandelroute rond Proven staat geen enkele bank. Vijf houten zitbanken "
               "op de mooiste plekken, zodat ook oudere wandelaars even kunnen rusten."),
    SampleIdea("beehives", "karine", -10, "fr", "environment", "Watou", 3_000,
               "Des ruches sur le toit de l'école de Watou",
               "Installer trois ruches sur le toit plat de l'école communale de Watou, avec un "
               "apiculteur du village, pour la biodiversité et pour que les élèves apprennent "
               "d'où vient le miel."),
    SampleIdea("skatepark", "luc", -9, "nl", "sport", "Reningelst", 38_000,
               "Skatepark voor de jeugd in Reningelst",
               "De jongeren van Reningelst hebben geen plek om te skaten. Een klein skatepark "
               "naast de sporthal, met een paar rampen en een rail, zou veel betekenen."),
    SampleIdea("mural", "olivia", -8, "fr", "culture", "Poperinge", 12_000,
               "Une fresque murale sur la salle des fêtes",
               "Le mur aveugle de la salle des fêtes est gris et triste. Une fresque peinte par "
               "des artistes locaux et les habitants raconterait l'histoire du houblon."),
    SampleIdea("repair", "jonas", -7, "nl", "solidarity", "Poperinge", 4_000,
               "Repair café in het ontmoetingscentrum",
               "Elke maand een repair café waar vrijwilligers samen met bewoners kapotte "
               "toestellen, fietsen en kleren herstellen. Goed voor de portemonnee, het milieu "
               "en het contact tussen buren."),
    SampleIdea("homework", "olivia", -5, "fr", "education", "Roesbrugge-Haringe", 6_000,
               "Une école des devoirs à la bibliothèque",
               "Deux fois par semaine, des bénévoles aident les élèves du primaire à faire "
               "leurs devoirs à la bibliothèque de Roesbrugge."),
    SampleIdea("trees", "paper", -4, "nl", "environment", "Krombeke", 15_000,
               "Bomen planten op het dorpsplein van Krombeke",
               "Het dorpsplein van Krombeke is in de zomer een hitte-eiland. Plant er zes "
               "lindebomen, met zitbanken in hun schaduw. (Idee uit de ideeënbus in het "
               "stadhuis.)"),
    SampleIdea("bus-shelter", "paper", -3, "fr", "mobility", "Roesbrugge-Haringe", 9_000,
               "Un abri à l'arrêt de bus de Roesbrugge",
               "À l'arrêt de bus près de l'église de Roesbrugge, on attend sous la pluie. Un "
               "abri avec un banc, s'il vous plaît. (Idée déposée dans la boîte à l'hôtel de "
               "ville.)"),
    SampleIdea("toilets", "luc", -2, "nl", "public-space", "Poperinge", 60_000,
               "Openbaar toilet op de Grote Markt",
               "Op marktdag en tijdens evenementen is er geen openbaar toilet in het centrum. "
               "Een modern, rolstoeltoegankelijk toilet op de Grote Markt."),
    SampleIdea("compost", "karine", -1, "fr", "environment", "Proven", 5_000,
               "Des composteurs de quartier",
               "Des bacs à compost partagés dans chaque quartier, avec un guide-composteur "
               "bénévole, pour réduire les déchets et nourrir les potagers."),
)  # fmt: skip

# (idea key, author, day, language, text, a reply's parent: an index in this tuple)
PROPOSALS_REACTIONS = (
    ("bikes", "mira", -11, "nl",
     "Goed idee! Ik laat mijn fiets nu thuis omdat hij altijd nat wordt.", None),
    ("bikes", "jonas", -10, "nl", "Dank je! Misschien kan de NMBS meebetalen.", 0),
    ("beehives", "luc", -9, "nl",
     "Zijn bijen op een schooldak wel veilig voor de kinderen?", None),
    ("beehives", "karine", -8, "fr", "Oui : les ruches sont hors de portée et l'apiculteur "
     "s'en occupe. Beaucoup d'écoles le font déjà.", 2),
    ("skatepark", "rania", -6, "fr", "Très bonne idée pour les jeunes du village.", None),
    ("skatepark", "pieter", -5, "nl", "Belachelijk idee. Alleen idioten willen nog meer "
     "lawaai van die etters.", None),
)  # fmt: skip
ABUSIVE_REACTION = 5  # index above: reported, for the moderator to hide with a reason

# idea key -> the sample residents who support it (verified ones count for initiatives)
PROPOSALS_SUPPORTS = {
    "benches": ("jonas", "luc", "olivia"),  # 3 verified: threshold reached
    "bikes": ("mira", "karine", "rania"),  # 2 verified of 3: one more reaches it
    "beehives": ("jonas", "mira"),
    "repair": ("karine",),
    "mural": ("rania",),
}

VOTE_IDEAS = (
    SampleIdea("playground", "mira", -50, "nl", "public-space", "Watou", 35_000,
               "Nieuw speelplein in Watou",
               "Het speelplein achter de kerk van Watou is versleten. Nieuwe toestellen voor "
               "kleuters en lagere schoolkinderen, en een omheining.",
               {"nl": "Nieuw speelplein in Watou", "fr": "Nouvelle plaine de jeux à Watou",
                "en": "New playground in Watou"}, 35_000),
    SampleIdea("orchard", "karine", -48, "fr", "environment", "Proven", 18_000,
               "Un verger partagé à Proven",
               "Planter un verger de variétés anciennes sur le terrain communal de Proven, "
               "ouvert à tous, avec des ateliers de taille.",
               {"nl": "Samenboomgaard in Proven", "fr": "Verger partagé à Proven",
                "en": "Community orchard in Proven"}, 18_000),
    SampleIdea("cycle-lane", "jonas", -45, "nl", "mobility", "Reningelst", 28_000,
               "Veilig fietspad naar de school in Reningelst",
               "Schilder een afgescheiden fietspad en plaats paaltjes op de schoolroute in "
               "Reningelst, zodat kinderen veilig naar school fietsen.",
               {"nl": "Veilig fietspad naar school in Reningelst",
                "fr": "Piste cyclable sûre vers l'école à Reningelst",
                "en": "Safe cycle lane to school in Reningelst"}, 28_000),
    SampleIdea("library-box", "olivia", -42, "fr", "culture", "Krombeke", 9_500,
               "Des boîtes à livres dans chaque village",
               "Une boîte à livres dans chacun des villages : on dépose un livre, on en prend "
               "un autre.",
               {"nl": "Boekenruilkasten in elk dorp", "fr": "Boîtes à livres dans chaque "
                "village", "en": "Book-swap boxes in every village"}, 9_500),
    SampleIdea("pumptrack", "luc", -40, "nl", "sport", "Poperinge", 22_000,
               "Pumptrack aan het sportcentrum",
               "Een pumptrack voor fietsen, steps en skates naast het sportcentrum van "
               "Poperinge: sportief, veilig en voor alle leeftijden.",
               {"nl": "Pumptrack aan het sportcentrum", "fr": "Pumptrack au centre sportif",
                "en": "Pump track at the sports centre"}, 22_000),
    SampleIdea("swimming-pool", "pieter", -38, "nl", "sport", "Poperinge", 85_000,
               "Openluchtzwembad in het stadspark",
               "Een openluchtzwembad in het stadspark voor de warme zomers.",
               None, None),  # refused: over the cap
)  # fmt: skip

REFUSAL = {
    "nl": "Dit idee kost naar schatting 85.000 euro, meer dan het maximum van 40.000 euro per "
    "project. De stad neemt het mee in de studie voor het nieuwe sportcentrum.",
    "fr": "Cette idée coûterait environ 85 000 euros, plus que le maximum de 40 000 euros par "
    "projet. La ville l'intègre à l'étude du nouveau centre sportif.",
    "en": "This idea would cost about 85,000 euros, more than the maximum of 40,000 euros per "
    "project. The town takes it into the study for the new sports centre.",
}
