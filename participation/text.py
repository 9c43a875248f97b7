"""Text analysis for ideas: similar ideas before posting, likely duplicates, topics, a domain.

Residents write in Dutch, French or English. Ideas are compared as two TF-IDF vectors
side by side: character n-grams (3 to 5 characters inside word boundaries, sublinear term
frequency, accents folded, lower case), where shared stems (``fiets``/``fietsen``) and
names (``Kasteelstraat``, ``Grote Markt``) count; and *concepts* from the hand-made
nl/fr/en lexicon in ``lexicon.py`` (``fietsenstalling``, ``parking vélos`` and ``bike
parking`` all name ``bike`` and ``parking``), which is what lets a translation match. A
word the lexicon lacks adds nothing there. Nothing is downloaded, nothing is random: the
same ideas give the same answer.

Every function here *suggests*; an official decides. ``duplicate_pairs`` is a list to
review (merging is ``screening.py``), ``suggest_domain`` pre-fills a field the author or
an evaluator confirms, ``similar`` is shown to a resident before they post.

The weight and thresholds were chosen on our own labelled set (``tests/data/ideas/
labelled.jsonl``: 134 ideas in nl, fr and en, 41 written as paraphrased duplicates, 26 of
the 42 duplicate pairs across languages, 19 decoys that share words with another idea but
propose something else), measured with ``scripts/bench_text.py``, and checked on a
held-out set written after the lexicon was frozen (``heldout.jsonl``, 40 ideas); the
figures are in docs/performance.md. Both sets are small and written by us:

- `CONCEPT_WEIGHT` (0.6) and `DUPLICATE_THRESHOLD` (0.45): the best F1 over all duplicate
  pairs, over weights 0 to 0.7 and thresholds in steps of 0.05 (0.91 on the labelled set,
  0.84 held out; char n-grams alone: 0.51 at 0.35).
- `SIMILAR_THRESHOLD` (0.2): before posting, a resident would rather see one unrelated
  idea than miss the one they were about to repeat: one step below the highest threshold
  that keeps every paraphrase of the labelled set in the top 5.
- `CLUSTER_THRESHOLD` (0.2): the average similarity at which two groups are merged.
- `DOMAIN_MARGIN` (0.02): ``suggest_domain`` answers only when the best domain leads the
  next by this much.

scikit-learn and SciPy are imported on first use (a web worker or a CLI command that
never compares ideas does not pay their second of start-up).

Inputs are bounded: a title is cut to `MAX_TITLE_CHARS`, a text to `MAX_TEXT_CHARS`
(its first 1,000 characters: what an idea is about; our labelled ideas are shorter, so
their figures did not move) before analysis. The char n-grams are counted with numpy
(``text_batch.char_tfidf``: scikit-learn's matrix, bit for bit), and ``text_batch.
suggest_domains`` suggests for many ideas from one fit. Costs (docs/performance.md):
``similar`` about 0.1 s against 1,000 ideas of our labelled set, 0.4 to 0.7 s against
500 ideas of maximal length made of invented words (the worst case); ``duplicate_pairs``
and ``clusters`` compare every pair (quadratic), in blocks of rows.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from participation.lexicon import concepts
from participation.text_batch import char_tfidf, suggest_domains

MAX_TITLE_CHARS = 300
MAX_TEXT_CHARS = 1_000  # the beginning of an idea says what it is about; all of it costs more
SIMILAR_THRESHOLD = 0.2
DUPLICATE_THRESHOLD = 0.45
CLUSTER_THRESHOLD = 0.2
DOMAIN_MARGIN = 0.02
CONCEPT_WEIGHT = 0.6  # share of the concept vectors in a similarity (0: char n-grams only)
SEED_WEIGHT = 2.0  # a domain's description against the mean of its labelled ideas
_BLOCK = 512  # rows of the similarity matrix computed at once: memory stays O(n)

# Words of three letters or more that say nothing about an idea's topic (accents folded).
_STOP_WORDS = """
    aan als alle alleen ander andere bij dan dat deze die dit door een eens elk elke en
    geen haar hebben heeft het hier hij hun ik jaar kan kunnen maar meer met moet naar niet
    nog noch ons ook over per steeds tot uit van veel voor waar wat welke wie wij wordt
    worden zal zich zijn zoals zodat zonder zou zouden
    aux avec ces cet cette chaque comme dans des elle elles est etre fait faire faut ils
    leur leurs mais meme moins nos notre nous par pas peu peut plus pour pourrait quand que
    qui sans ses son sont sur tous tout toute toutes tres une vers vos votre vous
    about after all also and any are been but can could each every for from has have into
    its more most not our out over please should some than that the their them there these
    they this those too very was were what when where which who will with would year your
"""
_STOP = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[^\W\d_]{3,}")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})  # NFKD leaves them whole
_MARKS = dict.fromkeys(c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c)))

# Each domain in its own words, in nl, fr and en: the seed a domain starts from before
# any idea has been screened into it. Keyed by the stable ids processes use.
DOMAIN_SEEDS: Mapping[str, str] = {
    "mobility": "Mobility: walking, cycling, bicycles, bus, train, station, traffic, cars, "
    "parking, road safety, speed. Mobiliteit: fietsen, fietspad, fietsenstalling, bus, trein, "
    "station, verkeer, auto, parkeren, snelheid, verkeersveiligheid. Mobilité: vélo, piste "
    "cyclable, bus, navette, gare, circulation, voiture, stationnement, sécurité routière, "
    "piétons.",
    "environment": "Environment and nature: trees, green, biodiversity, bees, waste, "
    "recycling, compost, energy, solar panels, water, climate. Milieu en natuur: bomen, groen, "
    "biodiversiteit, afval, zwerfvuil, recyclage, compost, energie, zonnepanelen, water, "
    "klimaat. Environnement et nature: arbres, végétalisation, biodiversité, déchets, "
    "recyclage, compost, énergie, panneaux solaires, eau, climat.",
    "culture": "Culture and heritage: museum, library, books, concerts, music, festival, film, "
    "art, murals, monuments, history. Cultuur en erfgoed: museum, bibliotheek, boeken, "
    "concerten, muziek, festival, film, kunst, muurschildering, monumenten, geschiedenis. "
    "Culture et patrimoine: musée, médiathèque, livres, concerts, musique, festival, cinéma, "
    "art, fresque, monuments, histoire.",
    "sport": "Sport and leisure: sports hall, football, swimming pool, running, fitness, "
    "skatepark, tennis, basketball, games, clubs. Sport en vrije tijd: sporthal, voetbal, "
    "zwembad, lopen, fitness, skatepark, tennis, basketbal, spelen, sportclubs. Sport et "
    "loisirs: gymnase, football, piscine, course, fitness, skatepark, tennis, basket, jeux, "
    "clubs sportifs.",
    "solidarity": "Solidarity and social: poverty, elderly, loneliness, homeless, volunteers, "
    "newcomers, disability, food aid, neighbours. Solidariteit en welzijn: armoede, ouderen, "
    "eenzaamheid, daklozen, vrijwilligers, nieuwkomers, beperking, voedselhulp, buren. "
    "Solidarité et social: pauvreté, personnes âgées, isolement, sans-abri, bénévoles, "
    "nouveaux arrivants, handicap, aide alimentaire, voisins.",
    "public-space": "Urban planning and public space: squares, streets, pavements, benches, "
    "playgrounds, public toilets, fountains, lighting, market. Stadsontwikkeling en publieke "
    "ruimte: pleinen, straten, voetpaden, zitbanken, speeltuinen, openbare toiletten, "
    "fonteinen, markt. Urbanisme et espace public: places, rues, trottoirs, bancs, aires de "
    "jeux, toilettes publiques, fontaines, éclairage, marché.",
    "education": "Education and youth: schools, pupils, students, homework, youth centre, "
    "childcare, young people, learning, teachers. Onderwijs en jeugd: scholen, leerlingen, "
    "studenten, huiswerk, jeugdhuis, kinderopvang, jongeren, leren, leerkrachten. Éducation "
    "et jeunesse: écoles, élèves, étudiants, devoirs, maison des jeunes, crèche, jeunes, "
    "apprendre, enseignants.",
}


@dataclass(frozen=True, slots=True)
class IdeaText:
    """What the analysis reads of an idea: its id, title and text (any language)."""

    id: str | int
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Match:
    """An existing idea like the one being written; ``score`` is a cosine in [0, 1]."""

    id: str | int
    score: float


@dataclass(frozen=True, slots=True)
class Pair:
    """Two ideas that may say the same; ``first`` comes before ``second`` in the input."""

    first: str | int
    second: str | int
    score: float


@dataclass(frozen=True, slots=True)
class Cluster:
    """Ideas on one topic, with the words they share most (``terms``, best first)."""

    ids: tuple[str | int, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A domain for an idea: its similarity and its lead over ``runner_up``."""

    domain: str
    score: float
    margin: float
    runner_up: str | None


def fold(text: str) -> str:
    """``text`` in lower case without accents (é → e, Œ → oe, ß → ss)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return decomposed.translate(_MARKS)  # no combining mark left


def document(title: str, text: str) -> str:
    """An idea as the analysis reads it: bounded title and text, folded."""
    return fold(f"{title[:MAX_TITLE_CHARS]}\n{text[:MAX_TEXT_CHARS]}")


def words(text: str) -> list[str]:
    """The words of a folded ``text`` that may name a topic: letters only, no stop words."""
    return [w for w in _WORD.findall(text) if w not in _STOP]


def _tokens(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


@lru_cache(maxsize=4_096)  # the ideas a draft is compared with are the same at each check
def _concepts(doc: str) -> tuple[str, ...]:
    return tuple(concepts(doc))


def _vectors(docs: Sequence[str]) -> Any | None:
    """L2-normalised rows (a sparse matrix), or None if no text at all: the char n-gram
    TF-IDF and the concept TF-IDF side by side, weighted so that the cosine of two ideas
    is ``(1 - w) * chars + w * concepts`` (``w`` = `CONCEPT_WEIGHT`) when both name a
    concept, ``sqrt(1 - w) * chars`` when only one does, ``chars`` when neither does.
    """
    if not any(d.strip() for d in docs):
        return None
    chars = char_tfidf(docs)  # scikit-learn's char_wb 3- to 5-grams, counted with numpy
    named = [_concepts(d) for d in docs]
    if CONCEPT_WEIGHT <= 0.0 or not any(named):
        return chars
    from scipy.sparse import hstack  # type: ignore[import-untyped]  # no stubs installed
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    ideas = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float64)
    both = hstack(
        [
            np.sqrt(1.0 - CONCEPT_WEIGHT) * chars,
            np.sqrt(CONCEPT_WEIGHT) * ideas.fit_transform(named),
        ]
    )
    return normalize(both.tocsr())


def _unique(ideas: Sequence[IdeaText]) -> None:
    if len({idea.id for idea in ideas}) != len(ideas):
        raise ValueError("idea ids must be unique")


def _clip(score: float) -> float:
    return min(1.0, max(0.0, float(score)))


def similar(
    title: str,
    text: str,
    existing: Sequence[IdeaText],
    limit: int = 5,
    threshold: float = SIMILAR_THRESHOLD,
) -> list[Match]:
    """The existing ideas most like the one being written, best first, at most ``limit``.

    Shown to a resident before posting. Ties keep the order of ``existing``.
    """
    if limit <= 0 or not existing:
        return []
    docs = [document(i.title, i.text) for i in existing]
    matrix = _vectors([*docs, document(title, text)])
    if matrix is None:
        return []
    scores = np.asarray((matrix[:-1] @ matrix[-1].T).toarray()).ravel()
    order = np.argsort(-scores, kind="stable")[:limit]
    return [
        Match(existing[k].id, _clip(scores[k])) for k in order if scores[k] >= max(threshold, 1e-9)
    ]


def _similarities(matrix: Any) -> Iterable[tuple[int, np.ndarray]]:
    """Blocks of the cosine matrix: (first row, dense rows), ``_BLOCK`` rows at a time."""
    for start in range(0, matrix.shape[0], _BLOCK):
        yield start, np.asarray((matrix[start : start + _BLOCK] @ matrix.T).toarray())


def duplicate_pairs(
    ideas: Sequence[IdeaText], threshold: float = DUPLICATE_THRESHOLD
) -> list[Pair]:
    """Pairs scoring at least ``threshold`` (and above 0), best first (ties in input order).

    A list for an official to review, never merged automatically.
    """
    _unique(ideas)
    matrix = _vectors([document(i.title, i.text) for i in ideas])
    if matrix is None or len(ideas) < 2:
        return []
    found: list[tuple[float, int, int]] = []
    for start, block in _similarities(matrix):
        rows, cols = np.nonzero(block >= max(threshold, 1e-9))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if start + r < c:
                found.append((_clip(block[r, c]), start + r, c))
    found.sort(key=lambda f: (-f[0], f[1], f[2]))
    return [Pair(ideas[a].id, ideas[b].id, score) for score, a, b in found]


def clusters(
    ideas: Sequence[IdeaText],
    threshold: float = CLUSTER_THRESHOLD,
    min_size: int = 2,
    terms: int = 3,
) -> list[Cluster]:
    """Groups of ideas on one topic, largest first, each with up to ``terms`` shared words.

    Average-linkage agglomerative clustering on cosine distance: two groups merge while
    their ideas are, on average, at least ``threshold`` alike. Groups smaller than
    ``min_size`` are left out. A term is a word (not an n-gram) that at least two of the
    group's ideas use, weighted by TF-IDF over all ``ideas``.
    """
    _unique(ideas)
    docs = [document(i.title, i.text) for i in ideas]
    matrix = _vectors(docs)
    if matrix is None or len(ideas) < 2:
        return [Cluster((i.id,), ()) for i in ideas] if min_size <= 1 else []
    distance = np.zeros((len(ideas), len(ideas)))
    for start, block in _similarities(matrix):
        distance[start : start + block.shape[0]] = 1.0 - np.clip(block, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=1.0 - threshold,
    ).fit_predict(distance)
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(position)
    chosen = sorted(
        (g for g in groups.values() if len(g) >= max(min_size, 1)), key=lambda g: (-len(g), g[0])
    )
    word_vectors, vocabulary = _word_vectors(docs)
    return [
        Cluster(tuple(ideas[k].id for k in g), _terms(word_vectors, vocabulary, g, terms))
        for g in chosen
    ]


def _word_vectors(docs: Sequence[str]) -> tuple[Any | None, list[str]]:
    if not any(words(d) for d in docs):
        return None, []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=True, dtype=np.float64)
    matrix = vectorizer.fit_transform(docs)
    return matrix, [str(w) for w in vectorizer.get_feature_names_out()]


def _terms(
    matrix: Any | None, vocabulary: list[str], members: list[int], limit: int
) -> tuple[str, ...]:
    if matrix is None or limit <= 0:
        return ()
    rows = matrix[members]
    weight = np.asarray(rows.sum(axis=0)).ravel()
    used_by = np.asarray((rows > 0).sum(axis=0)).ravel()
    shared = used_by >= min(2, len(members))
    ranked = sorted(
        np.flatnonzero(shared & (weight > 0)).tolist(), key=lambda k: (-weight[k], vocabulary[k])
    )
    return tuple(vocabulary[k] for k in ranked[:limit])


def _topic(title: str, text: str) -> str:
    """An idea with only its topic words left: what ``suggest_domain`` compares."""
    return " ".join(words(document(title, text)))


def suggest_domain(
    title: str,
    text: str,
    labelled: Sequence[tuple[IdeaText, str]] = (),
    seeds: Mapping[str, str] = DOMAIN_SEEDS,
    margin: float = DOMAIN_MARGIN,
) -> Suggestion | None:
    """The domain an idea most likely belongs to, or None when no domain clearly leads.

    Nearest centroid: each domain is the mean of the ideas already screened into it
    (``labelled``) plus its description from ``seeds`` (weighted `SEED_WEIGHT`, so a
    domain with no screened idea yet still has a place), compared on the ideas' topic
    words' char n-grams. A domain only in ``labelled`` or only in ``seeds`` counts too.
    The same as ``text_batch.suggest_domains`` for this idea alone (a page that suggests
    for many ideas calls that instead: one fit for all).
    """
    return suggest_domains([IdeaText(0, title, text)], labelled, seeds, margin)[0]


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0.0 else vector
