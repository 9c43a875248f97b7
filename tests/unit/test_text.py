"""participation/text.py: similar ideas, duplicates, topics and domains, on our labelled set.

The floors below are the figures `scripts/bench_text.py` measured (docs/performance.md)
less a small margin, so a change that makes the analysis worse fails here. The held-out
set (written after the lexicon was frozen, never tuned on) has its own floors.
"""

from __future__ import annotations

import ast
import json
import re
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from participation import lexicon, text, text_batch
from participation.text import IdeaText, Pair

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "ideas" / "labelled.jsonl"
HELDOUT = ROOT / "tests" / "data" / "ideas" / "heldout.jsonl"


def _load(path: Path = LABELLED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


ROWS = _load()
BY_ID = {r["id"]: r for r in ROWS}
IDEAS = [IdeaText(r["id"], r["title"], r["text"]) for r in ROWS]


def _group(i: int) -> int:
    while BY_ID[i]["duplicate_of"] is not None:
        i = BY_ID[i]["duplicate_of"]
    return i


TRUE_PAIRS = {
    (a["id"], b["id"]) for a, b in combinations(ROWS, 2) if _group(a["id"]) == _group(b["id"])
}
CROSS = {p for p in TRUE_PAIRS if BY_ID[p[0]]["lang"] != BY_ID[p[1]]["lang"]}


def _pair(a: str | int, b: str | int) -> tuple[int, int]:
    return (int(a), int(b)) if int(a) < int(b) else (int(b), int(a))


DECOYS = {_pair(r["id"], r["decoy_of"]) for r in ROWS if r["decoy_of"] is not None}


@pytest.fixture(scope="module")
def flagged() -> set[tuple[int, int]]:
    return {_pair(p.first, p.second) for p in text.duplicate_pairs(IDEAS)}


def test_the_labelled_set_is_what_its_description_says() -> None:
    langs = [r["lang"] for r in ROWS]
    assert len(ROWS) >= 120
    assert all(langs.count(lang) >= len(ROWS) // 4 for lang in ("nl", "fr", "en"))
    assert len({r["domain"] for r in ROWS}) == 7
    assert {r["domain"] for r in ROWS} <= set(text.DOMAIN_SEEDS)
    assert sum(r["duplicate_of"] is not None for r in ROWS) >= 25
    assert all(r["duplicate_of"] is None or r["duplicate_of"] < r["id"] for r in ROWS)
    assert not DECOYS & TRUE_PAIRS


def test_a_paraphrase_is_shown_before_posting() -> None:
    """Written here, not in the set: the same request as idea 10, in other words."""
    before = [i for i in IDEAS if int(i.id) < 40]
    matches = text.similar(
        "Fietsenstalling aan het station van Kortrijk staat altijd vol",
        "Er is 's ochtends geen plaats meer in de fietsenstalling aan het station van "
        "Kortrijk. Graag een grotere, overdekte stalling.",
        before,
    )
    assert matches[0].id == 10
    assert matches[0].score >= text.DUPLICATE_THRESHOLD
    assert matches[1].id == 3  # its English original, next
    assert len(matches) <= 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_every_same_language_paraphrase_is_in_the_top_five_before_posting() -> None:
    for row in ROWS:
        if row["duplicate_of"] is None or BY_ID[row["duplicate_of"]]["lang"] != row["lang"]:
            continue
        before = [i for i in IDEAS if int(i.id) < row["id"]]
        found = {_group(int(m.id)) for m in text.similar(row["title"], row["text"], before)}
        assert _group(row["id"]) in found, row["title"]


def test_duplicate_pairs_precision_and_recall_floors(flagged: set[tuple[int, int]]) -> None:
    # measured at 0.45: precision 0.886, recall 0.929 (same language 16/16, cross 23/26)
    hits = flagged & TRUE_PAIRS
    assert len(hits) / len(flagged) >= 0.82
    assert len(hits) / len(TRUE_PAIRS) >= 0.86
    assert len(hits - CROSS) / len(TRUE_PAIRS - CROSS) >= 15 / 16
    assert len(hits & CROSS) >= 20  # of 26; 2 with char n-grams alone


def test_decoys_are_mostly_not_flagged(flagged: set[tuple[int, int]]) -> None:
    """Different ideas in the same words: a bench or a bike rack in the park, museum or pool.

    Measured: 4 of the 19 decoys score above the threshold (they repeat the other idea's
    sentence frame and its place, e.g. ideas 47 and 56); the list is for an official.
    """
    assert len(flagged & DECOYS) <= 6
    for pair in [(30, 36), (3, 15), (5, 17), (99, 109), (114, 126), (29, 38), (81, 95)]:
        assert pair in DECOYS
        assert pair not in flagged


def test_cross_language_duplicates_are_caught_through_shared_concepts(
    flagged: set[tuple[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Char n-grams do not translate, concepts do: ``fietsenstalling`` and ``bike parking``
    both name ``bike`` and ``parking``."""
    assert (22, 31) in flagged  # "Kasteelstraat" in both, found before the lexicon too
    assert (62, 71) in flagged
    street_lights = text.similar(
        BY_ID[41]["title"], BY_ID[41]["text"], [IDEAS[39]], threshold=0.0
    )  # nl and fr, no word in common: above the bar before posting, not a duplicate
    assert text.SIMILAR_THRESHOLD <= street_lights[0].score < text.DUPLICATE_THRESHOLD

    def found_before_posting() -> int:
        found = 0
        for row in ROWS:
            if row["duplicate_of"] is not None and (row["duplicate_of"], row["id"]) in CROSS:
                before = [i for i in IDEAS if int(i.id) < row["id"]]
                matches = text.similar(row["title"], row["text"], before, threshold=0.15)
                found += bool(matches) and _group(int(matches[0].id)) == _group(row["id"])
        return found

    assert found_before_posting() >= 22  # first, of 25: measured 25 (threshold 0.2: 25)
    monkeypatch.setattr(text, "CONCEPT_WEIGHT", 0.0)
    assert found_before_posting() <= 10  # char n-grams alone: measured 9


def test_a_dutch_idea_is_found_from_its_french_paraphrase_before_posting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Written here, not in the set: idea 101 (a dog run by the city park) in French."""
    before = [i for i in IDEAS if int(i.id) <= 101]
    title = "Un espace pour chiens en liberté au parc de la ville"
    body = (
        "Les chiens n'ont aucun endroit où courir sans laisse. Un enclos en bordure du parc "
        "de la ville, où ils pourraient se défouler, ferait le bonheur des maîtres comme "
        "des promeneurs."
    )
    matches = text.similar(title, body, before)
    assert matches[0].id == 101  # measured 0.42, the next 0.21
    assert matches[0].score >= 2 * matches[1].score - 0.05
    monkeypatch.setattr(text, "CONCEPT_WEIGHT", 0.0)
    assert 101 not in {m.id for m in text.similar(title, body, before, threshold=0.15)}


def test_a_decoy_across_languages_is_not_a_duplicate() -> None:
    """Same place, another request: public toilets by the city park, not a dog run."""
    dog_run = text.similar(
        "Un espace pour chiens en liberté au parc de la ville",
        "Un enclos en bordure du parc de la ville où les chiens courent sans laisse.",
        [IDEAS[100]],
        threshold=0.0,
    )
    toilets = text.similar(
        "Des toilettes publiques en bordure du parc de la ville",
        "Les promeneurs et les familles n'ont aucune toilette à proximité du parc de la "
        "ville. Un petit bloc sanitaire gratuit près de l'entrée serait le bienvenu.",
        [IDEAS[100]],
        threshold=0.0,
    )
    assert IDEAS[100].id == 101
    assert toilets[0].score < text.SIMILAR_THRESHOLD  # measured 0.09
    assert toilets[0].score < dog_run[0].score


HELD = _load(HELDOUT)


def test_held_out_set_written_after_the_lexicon() -> None:
    """40 ideas measured, never tuned on: floors from scripts/bench_text.py's held-out run."""
    by_id = {r["id"]: r for r in HELD}

    def group(i: int) -> int:
        while by_id[i]["duplicate_of"] is not None:
            i = by_id[i]["duplicate_of"]
        return i

    pairs = {
        (a["id"], b["id"]) for a, b in combinations(HELD, 2) if group(a["id"]) == group(b["id"])
    }
    cross = {p for p in pairs if by_id[p[0]]["lang"] != by_id[p[1]]["lang"]}
    decoys = {_pair(r["id"], r["decoy_of"]) for r in HELD if r["decoy_of"] is not None}
    assert len(HELD) >= 30
    assert len(cross) >= 12
    assert len(decoys) >= 5
    assert not {r["id"] for r in HELD} & set(BY_ID)
    ideas = [IdeaText(r["id"], r["title"], r["text"]) for r in HELD]
    found = {_pair(p.first, p.second) for p in text.duplicate_pairs(ideas)}
    assert len(found & cross) >= 13  # measured 15 of 20 (char n-grams alone: 0)
    assert len(found & pairs) / len(found) >= 0.85  # measured 0.94
    assert len(found & decoys) <= 1  # measured 0 of 7
    first = 0
    for row in HELD:
        if row["duplicate_of"] is not None:
            before = [i for i in ideas if int(i.id) < row["id"]]
            matches = text.similar(row["title"], row["text"], before)
            first += bool(matches) and group(int(matches[0].id)) == group(row["id"])
    assert first >= 16  # of 18: measured 18


def test_lexicon_terms_are_folded_and_name_one_concept_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terms = lexicon.terms()
    assert len(terms) >= 500
    assert len(lexicon.LEXICON) >= 100
    seen: dict[tuple[str, ...], str] = {}
    for term, concept in terms:
        assert term == text.fold(term) == term.strip(), term
        assert re.fullmatch(r"[a-z]+( [a-z]+)*\*?", term), term
        words = term.rstrip("*").split()
        key = tuple(lexicon._singular(w) for w in words) if len(words) > 1 else tuple(words)
        assert seen.setdefault(key, concept) == concept, f"{term}: {seen[key]} and {concept}"
        assert key not in {(w,) for w in text._STOP}, term  # "dans", "but": not topics
        if term.endswith("*"):
            assert len(words) == 1, term
            assert len(words[0]) >= 4, term
        assert re.fullmatch(r"[a-z_]+", concept)
    assert all(not lexicon.word_concepts(w) for w in text._STOP)
    monkeypatch.setattr(lexicon, "LEXICON", {**lexicon.LEXICON, "extra": "fiets"})
    with pytest.raises(ValueError, match="maps to bike and extra"):
        lexicon._entries()
    monkeypatch.setattr(lexicon, "LEXICON", {"extra": "vélo"})
    with pytest.raises(ValueError, match="folded"):
        lexicon._entries()


def test_concepts_across_languages_compounds_and_phrases() -> None:
    def named(words: str) -> set[str]:
        return set(lexicon.concepts(text.fold(words)))

    assert named("fietsenstalling") == named("parking vélos") == named("bike parking")
    assert named("fietsenstalling") == {"bike", "parking"}
    assert named("speeltuin") == named("aire de jeux") == named("playgrounds") == {"playground"}
    assert named("zitbanken") == named("des bancs") == named("a bench") == {"bench"}
    assert named("bomen") == named("arbres") == named("trees") == {"tree"}
    assert named("hondenpoep op de stoep") == {"dog", "dog_mess", "sidewalk"}
    assert named("sans-abri") == named("daklozen") == named("homeless people") == {"homeless"}
    assert named("voedselbank") == {"food_aid"}  # not "bench": the longest beginning wins
    assert named("parking") == {"parking"}
    assert named("parken") == {"park"}
    assert named("the museum is open") == {"museum", "open"}
    assert lexicon.concepts("") == []
    assert named("zzzz qqqq") == set()


def test_domain_suggestion_leave_one_group_out_floor() -> None:
    """Each idea's label and its paraphrases' labels are taken out before it is suggested."""
    said = right = 0
    for row in ROWS:
        labelled = [
            (i, r["domain"]) for i, r in zip(IDEAS, ROWS, strict=True)
            if _group(r["id"]) != _group(row["id"])
        ]  # fmt: skip
        suggestion = text.suggest_domain(row["title"], row["text"], labelled)
        if suggestion is not None:
            said += 1
            right += suggestion.domain == row["domain"]
            assert suggestion.margin >= text.DOMAIN_MARGIN
            assert 0.0 < suggestion.score <= 1.0
    # measured: suggested for 86.6 % of the ideas, right for 87.9 % of those
    assert said / len(ROWS) >= 0.80
    assert right / said >= 0.82


def test_domain_from_the_seeds_alone_and_no_answer_when_unsure() -> None:
    bike = text.suggest_domain("Een nieuw fietspad naar het station", "Graag een veilig fietspad.")
    assert bike is not None
    assert bike.domain == "mobility"
    assert text.suggest_domain("", "") is None
    assert text.suggest_domain("zzzz", "qqqq xxxx") is None
    assert text.suggest_domain("Idea", "text", seeds={}) is None
    only = text.suggest_domain("Bancs", "Des bancs", [(IDEAS[99], "public-space")], seeds={})
    assert only is not None
    assert (only.domain, only.runner_up) == ("public-space", None)


def test_clusters_group_paraphrases_and_name_them_in_words() -> None:
    found = text.clusters(IDEAS)
    where = {idea_id: k for k, c in enumerate(found) for idea_id in c.ids}
    together = sum(where.get(a, -1) == where.get(b, -2) for a, b in TRUE_PAIRS - CROSS)
    assert together >= 14  # of 16 same-language pairs (measured 16)
    assert sum(where.get(a, -1) == where.get(b, -2) for a, b in CROSS) >= 20  # of 26: 26
    assert all(len(c.ids) >= 2 for c in found)
    assert [len(c.ids) for c in found] == sorted((len(c.ids) for c in found), reverse=True)
    for c in found:
        assert len(c.terms) <= 3
        assert all(t.isalpha() and len(t) >= 3 and t == text.fold(t) for t in c.terms)
    assert {"kasteelstraat"} <= set(found[where[22]].terms)


def test_empty_and_one_idea_corpora() -> None:
    one = [IdeaText("a", "More benches", "In the park")]
    blank = [IdeaText("a", "", ""), IdeaText("b", " ", "\n")]
    assert text.similar("x", "y", []) == []
    assert text.similar("", "", one) == []
    assert text.similar("More benches", "In the park", one, limit=0) == []
    assert text.similar("anything", "", blank) == []
    assert text.duplicate_pairs([]) == []
    assert text.duplicate_pairs(one) == []
    assert text.duplicate_pairs(blank, threshold=0.0) == []
    assert text.clusters([]) == []
    assert text.clusters(one) == []
    assert text.clusters(one, min_size=1) == [text.Cluster(("a",), ())]
    assert text.clusters(blank) == []
    with pytest.raises(ValueError, match="unique"):
        text.duplicate_pairs([one[0], one[0]])


def test_long_input_is_cut_before_analysis() -> None:
    body = BY_ID[13]["text"]
    huge = body + " padding" * 250_000  # 2 MB
    start = time.perf_counter()
    long_match = text.similar(BY_ID[13]["title"], huge, IDEAS[:12])
    assert time.perf_counter() - start < 5
    cut = text.similar(BY_ID[13]["title"], huge[: text.MAX_TEXT_CHARS], IDEAS[:12])
    assert long_match == cut
    assert len(text.document("t" * 10_000, huge)) == text.MAX_TITLE_CHARS + 1 + text.MAX_TEXT_CHARS


def test_results_are_deterministic_and_independent_of_input_order() -> None:
    pairs = text.duplicate_pairs(IDEAS)
    assert pairs == text.duplicate_pairs(IDEAS)
    reversed_pairs = text.duplicate_pairs(IDEAS[::-1])
    assert {(frozenset((p.first, p.second)), round(p.score, 9)) for p in pairs} == {
        (frozenset((p.first, p.second)), round(p.score, 9)) for p in reversed_pairs
    }
    assert text.clusters(IDEAS) == text.clusters(IDEAS)
    labelled = [(i, r["domain"]) for i, r in zip(IDEAS, ROWS, strict=True)][1:]
    first = text.suggest_domain(ROWS[0]["title"], ROWS[0]["text"], labelled)
    assert first == text.suggest_domain(ROWS[0]["title"], ROWS[0]["text"], labelled)


def test_folding_ignores_accents_and_case() -> None:
    assert text.fold("Église ÉCOLE Œuvre") == "eglise ecole oeuvre"
    one = [IdeaText(1, "Réaménager la place de l'Église", "Des bancs et des arbres.")]
    match = text.similar("REAMENAGER LA PLACE DE L'EGLISE", "des bancs et des arbres.", one)
    assert [m.id for m in match] == [1]
    assert match[0].score == pytest.approx(1.0)


def test_the_module_imports_no_web_and_no_vote() -> None:
    for module in ("text.py", "text_batch.py", "lexicon.py"):
        _imports_no_web_and_no_vote(ROOT / "participation" / module)


def _imports_no_web_and_no_vote(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not names & {"flask", "ballots", "tally", "identity", "audit", "web", "cli"}


_words = st.text(st.characters(codec="utf-8"), max_size=80)


@given(st.lists(st.tuples(_words, _words), min_size=1, max_size=8), st.data())
def test_an_idea_is_most_like_itself_and_scores_are_in_0_1(
    texts: list[tuple[str, str]], data: st.DataObject
) -> None:
    ideas = [IdeaText(k, title, body) for k, (title, body) in enumerate(texts)]
    k = data.draw(st.integers(0, len(ideas) - 1))
    matches = text.similar(ideas[k].title, ideas[k].text, ideas, limit=len(ideas), threshold=0.0)
    assert all(0.0 <= m.score <= 1.0 for m in matches)
    if matches:
        assert matches[0].score == pytest.approx(1.0)
        own = {m.id: m.score for m in matches}.get(k)
        assert own == pytest.approx(1.0)
    pairs = text.duplicate_pairs(ideas, threshold=0.0)
    assert all(0.0 <= p.score <= 1.0 and isinstance(p, Pair) for p in pairs)
    assert all(p.first != p.second for p in pairs)


def _sklearn_char_tfidf(docs: list[str]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=False
    ).fit_transform(docs)


def _same_matrix(docs: list[str]) -> None:
    ours, theirs = text_batch.char_tfidf(docs), _sklearn_char_tfidf(docs)
    assert type(ours) is type(theirs)
    assert ours.shape == theirs.shape
    for part in ("indptr", "indices", "data"):  # same columns, same order, same bits
        assert getattr(ours, part).tolist() == getattr(theirs, part).tolist(), part


def test_char_ngrams_are_scikit_learns_bit_for_bit() -> None:
    _same_matrix([text.document(i.title, i.text) for i in IDEAS])
    many = "".join(chr(0x4E00 + k * 7) for k in range(3_000))  # two integers per n-gram
    _same_matrix([many[:1_500], f"{many[1_000:2_000]} ab", "a\u00a0b\x1c  cd\tef\n\ud800gh"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        text_batch.char_tfidf(["", " \n"])


@given(st.lists(st.text(st.characters(codec="utf-8"), max_size=40), min_size=1, max_size=6))
def test_char_ngrams_match_scikit_learn_on_any_text(docs: list[str]) -> None:
    if any(d.split() for d in docs):
        _same_matrix(docs)


def test_domains_for_many_ideas_from_one_fit() -> None:
    labelled = [(i, r["domain"]) for i, r in zip(IDEAS[:70], ROWS[:70], strict=True)]
    asked = [*IDEAS[70:], IdeaText("blank", "", "")]
    found = text_batch.suggest_domains(asked, labelled)
    assert list(found) == [i.id for i in asked]
    assert found["blank"] is None
    one = {i.id: text.suggest_domain(i.title, i.text, labelled) for i in IDEAS[70:]}
    said = {k: v.domain for k, v in found.items() if v is not None}
    alone = {k: v.domain for k, v in one.items() if v is not None}
    # One fit for all moves a few scores (the other ideas count in the n-grams' weights).
    assert sum(said.get(k) == alone.get(k) for k in one) >= 0.85 * len(one)  # measured 59/64
    right = sum(v == BY_ID[k]["domain"] for k, v in said.items())
    assert right >= 0.8 * len(said)  # measured 46 of 55 (one at a time: 45 of 52)
    assert text_batch.suggest_domains(IDEAS[70:72], labelled, seeds={}, margin=0.0) != {}
    assert text_batch.suggest_domains([], labelled) == {}
    with pytest.raises(ValueError, match="unique"):
        text_batch.suggest_domains([IDEAS[0], IDEAS[0]])


def test_a_screening_page_of_long_ideas_is_analysed_in_seconds() -> None:
    """500 submitted and 500 screened ideas of 10,000 characters: 145 s before one fit."""
    long = [
        IdeaText(k, r["title"], ((r["text"] + " ") * 60)[:10_000]) for k, r in enumerate(ROWS * 8)
    ]
    start = time.perf_counter()
    found = text_batch.suggest_domains(long[:500], [(i, "mobility") for i in long[500:1000]])
    assert len(found) == 500
    assert time.perf_counter() - start < 10  # measured about 0.5 s
