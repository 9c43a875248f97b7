"""Measure participation/text.py on our labelled ideas, char n-grams alone and with concepts.

    .venv/bin/python scripts/bench_text.py            # --ideas N for the timing corpus

Every figure is given twice, side by side in one run: ``char_only`` (the char n-gram
TF-IDF alone, ``CONCEPT_WEIGHT`` 0, at the thresholds chosen for it before the lexicon:
duplicates 0.35, before posting 0.15) and ``combined`` (char n-grams and the concepts of
participation/lexicon.py, at text.py's thresholds).

The labelled set (tests/data/ideas/labelled.jsonl) is written by us: 134 ideas in nl, fr
and en over 7 domains; ``duplicate_of`` names the earlier idea a paraphrase repeats
(all ideas linked this way form one group, every pair in a group is a duplicate pair);
``decoy_of`` names an idea a decoy shares words with but does not repeat. The thresholds
and the concept weight were chosen on it. The held-out set (tests/data/ideas/heldout.jsonl,
same format) was written after the lexicon was frozen and is never tuned on: it is
measured alone and mixed into the labelled ideas (only its own pairs counted). Figures:

- ``duplicates``: precision and recall of ``duplicate_pairs`` over all pairs, recall
  split into same-language and cross-language pairs, the decoy pairs flagged, and the
  same at other thresholds (how ``DUPLICATE_THRESHOLD`` was chosen).
- ``similar``: for each paraphrase, posted after its original, with only the ideas of
  lower id as the existing ones: is an idea of its group among ``similar``'s top 1 / 5?
- ``weights``: the labelled set's best F1 and cross-language recall at a few concept
  weights (how ``CONCEPT_WEIGHT`` was chosen).
- ``domain``: leave-one-group-out (the idea and its paraphrases are taken out of the
  labelled ideas, so the suggestion sees neither its own label nor a copy's):
  how often a domain is suggested, and how often it is right.
- ``clusters``: how many, their size, and the share of ideas in a cluster whose domain is
  the cluster's most common one.
- ``timing``: seconds on a corpus of ``--ideas`` ideas, made by repeating the labelled
  ones with words dropped and a district added (fixed seed), one process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from participation import text  # noqa: E402
from participation.text import IdeaText  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "ideas" / "labelled.jsonl"
HELDOUT = ROOT / "tests" / "data" / "ideas" / "heldout.jsonl"
# variant: (concept weight, duplicate threshold, similar threshold)
CHAR_ONLY = (0.0, 0.35, 0.15)  # text.py before the lexicon
COMBINED = (text.CONCEPT_WEIGHT, text.DUPLICATE_THRESHOLD, text.SIMILAR_THRESHOLD)
VARIANTS = {"char_only": CHAR_ONLY, "combined": COMBINED}
SWEEP = [t / 100 for t in range(15, 60, 5)]


@contextmanager
def concept_weight(weight: float) -> Iterator[None]:
    """text.py with another ``CONCEPT_WEIGHT`` (read at each call) for a while."""
    saved = text.CONCEPT_WEIGHT
    text.CONCEPT_WEIGHT = weight
    try:
        yield
    finally:
        text.CONCEPT_WEIGHT = saved


def load(path: Path = LABELLED) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def groups(rows: list[dict[str, Any]]) -> dict[int, int]:
    """Each idea's group: the id of the original its chain of ``duplicate_of`` ends at."""
    by_id = {r["id"]: r for r in rows}

    def root(i: int) -> int:
        while by_id[i]["duplicate_of"] is not None:
            i = by_id[i]["duplicate_of"]
        return i

    return {r["id"]: root(r["id"]) for r in rows}


def idea(row: dict[str, Any]) -> IdeaText:
    return IdeaText(row["id"], row["title"], row["text"])


def _pair(a: Any, b: Any) -> tuple[Any, Any]:
    return (a, b) if a < b else (b, a)


def duplicates(
    rows: list[dict[str, Any]],
    threshold: float,
    counted: set[int] | None = None,
    sweep: list[float] = SWEEP,
) -> dict[str, Any]:
    """Pairs of ``rows`` (only those with both ideas in ``counted``, if given)."""
    group = groups(rows)
    lang = {r["id"]: r["lang"] for r in rows}
    mine = [r for r in rows if counted is None or r["id"] in counted]
    true = {
        _pair(a["id"], b["id"])
        for a, b in combinations(mine, 2)
        if group[a["id"]] == group[b["id"]]
    }
    cross = {p for p in true if lang[p[0]] != lang[p[1]]}
    decoys = {_pair(r["id"], r["decoy_of"]) for r in mine if r["decoy_of"] is not None}
    scored = text.duplicate_pairs([idea(r) for r in rows], threshold=0.0)
    inside = {
        _pair(p.first, p.second): p.score
        for p in scored
        if counted is None or {p.first, p.second} <= counted
    }

    def at(threshold: float) -> dict[str, Any]:
        found = {p for p, score in inside.items() if score >= threshold}
        hits = found & true
        precision = len(hits) / len(found) if found else 1.0
        recall = len(hits) / len(true)
        return {
            "threshold": threshold,
            "flagged": len(found),
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(2 * precision * recall / (precision + recall), 3) if hits else 0.0,
            "same_language": f"{len(hits - cross)}/{len(true - cross)}",
            "cross_language": f"{len(hits & cross)}/{len(cross)}",
            "decoys_flagged": f"{len(found & decoys)}/{len(decoys)}",
        }

    return {
        "pairs": len(true),
        "cross_language_pairs": len(cross),
        "decoy_pairs": len(decoys),
        "decoy_scores": sorted(round(inside.get(d, 0.0), 3) for d in decoys),
        "chosen": at(threshold),
        "sweep": [at(t) for t in sweep],
    }


def similar(
    rows: list[dict[str, Any]], threshold: float, counted: set[int] | None = None
) -> dict[str, Any]:
    group = groups(rows)
    lang = {r["id"]: r["lang"] for r in rows}
    found: dict[str, Counter[str]] = {"same_language": Counter(), "cross_language": Counter()}
    found["others"] = Counter()  # ideas of another group shown
    shown: list[int] = []
    for row in rows:
        if row["duplicate_of"] is None or (counted is not None and row["id"] not in counted):
            continue
        before = [idea(r) for r in rows if r["id"] < row["id"]]
        matches = text.similar(row["title"], row["text"], before, threshold=threshold)
        kind = "same_language" if lang[row["duplicate_of"]] == row["lang"] else "cross_language"
        mine = [k for k, m in enumerate(matches) if group[int(m.id)] == group[row["id"]]]
        shown.append(len(matches))
        found["others"]["shown"] += len(matches) - len(mine)
        found[kind]["ideas"] += 1
        found[kind]["top1"] += bool(mine and mine[0] == 0)
        found[kind]["top5"] += bool(mine)
    out: dict[str, Any] = {"threshold": threshold, "limit": 5}
    out["others_shown_per_idea"] = round(found["others"].total() / max(len(shown), 1), 2)
    total = found["same_language"] + found["cross_language"]
    for kind, counts in [*found.items(), ("all", total)]:
        if kind == "others":
            continue
        out[kind] = {
            "ideas": counts["ideas"],
            "top1": f"{counts['top1']}/{counts['ideas']}",
            "top5": f"{counts['top5']}/{counts['ideas']}",
        }
    return out


def weights(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For a few concept weights: the threshold of best F1 on ``rows``, and its figures."""
    out = []
    for weight in (0.0, 0.3, 0.4, 0.5, 0.6, 0.7):
        with concept_weight(weight):
            sweep = duplicates(rows, 0.5, sweep=[t / 100 for t in range(10, 70, 2)])["sweep"]
            best = max(sweep, key=lambda s: (s["f1"], s["threshold"]))
            found = similar(rows, 0.0)["cross_language"]
        out.append({"weight": weight, "best_f1": best, "similar_cross_language": found})
    return out


def domains(rows: list[dict[str, Any]], counted: set[int] | None = None) -> dict[str, Any]:
    group = groups(rows)
    results: dict[str, list[tuple[bool, bool]]] = {"labelled_and_seeds": [], "seeds_only": []}
    forced = 0
    asked = [r for r in rows if counted is None or r["id"] in counted]
    for row in asked:
        labelled = [(idea(r), r["domain"]) for r in rows if group[r["id"]] != group[row["id"]]]
        for name, train in (("labelled_and_seeds", labelled), ("seeds_only", [])):
            s = text.suggest_domain(row["title"], row["text"], train)
            results[name].append((s is not None, s is not None and s.domain == row["domain"]))
        always = text.suggest_domain(row["title"], row["text"], labelled, margin=0.0)
        forced += always is not None and always.domain == row["domain"]
    out: dict[str, Any] = {
        "method": "leave-one-group-out, nearest centroid",
        "margin": text.DOMAIN_MARGIN,
        "seed_weight": text.SEED_WEIGHT,
        "ideas": len(asked),
        "accuracy_always_answering": round(forced / len(asked), 3),
    }
    for name, res in results.items():
        answered = [right for said, right in res if said]
        out[name] = {
            "coverage": round(len(answered) / len(res), 3),
            "accuracy_when_suggested": round(sum(answered) / len(answered), 3),
        }
    return out


def clusters(rows: list[dict[str, Any]]) -> dict[str, Any]:
    domain = {r["id"]: r["domain"] for r in rows}
    found = text.clusters([idea(r) for r in rows])
    inside = sum(len(c.ids) for c in found)
    pure = sum(Counter(domain[i] for i in c.ids).most_common(1)[0][1] for c in found)
    return {
        "threshold": text.CLUSTER_THRESHOLD,
        "clusters": len(found),
        "ideas_in_a_cluster": inside,
        "largest": max((len(c.ids) for c in found), default=0),
        "domain_purity": round(pure / inside, 3) if inside else None,
        "examples": [{"size": len(c.ids), "terms": list(c.terms)} for c in found[:5]],
    }


def corpus(rows: list[dict[str, Any]], n: int, seed: int = 0) -> list[IdeaText]:
    """``n`` ideas: the labelled ones again and again, each copy a little changed."""
    rng = random.Random(seed)  # noqa: S311 (a benchmark's corpus, no secret)
    out = []
    for k in range(n):
        row = rows[k % len(rows)]
        kept = [w for w in row["text"].split() if rng.random() > 0.15]
        out.append(IdeaText(f"s{k}", row["title"], " ".join(kept) + f" (district {k % 37})"))
    return out


def _seconds(run: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def timing(rows: list[dict[str, Any]], n: int) -> dict[str, Any]:
    ideas = corpus(rows, n)
    labelled = [(i, rows[k % len(rows)]["domain"]) for k, i in enumerate(ideas)]
    new = rows[0]
    return {
        "ideas": n,
        "median_of": 3,
        "similar_s": _seconds(lambda: text.similar(new["title"], new["text"], ideas)),
        "duplicate_pairs_s": _seconds(lambda: text.duplicate_pairs(ideas)),
        "clusters_s": _seconds(lambda: text.clusters(ideas)),
        "suggest_domain_s": _seconds(
            lambda: text.suggest_domain(new["title"], new["text"], labelled)
        ),
    }


def variants(measure: Callable[[float, float], Any]) -> dict[str, Any]:
    """``measure(duplicate threshold, similar threshold)`` under each variant."""
    out = {}
    for name, (weight, duplicate, before) in VARIANTS.items():
        with concept_weight(weight):
            out[name] = measure(duplicate, before)
    return out


def describe(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ideas": len(rows),
        "languages": dict(sorted(Counter(r["lang"] for r in rows).items())),
        "domains": len({r["domain"] for r in rows}),
        "paraphrases": sum(r["duplicate_of"] is not None for r in rows),
        "decoys": sum(r["decoy_of"] is not None for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=1000, help="ideas in the timing corpus")
    args = parser.parse_args()
    rows = load()
    report: dict[str, Any] = {
        "labelled": describe(rows),
        "thresholds": {
            name: {"concept_weight": w, "duplicate": d, "similar": s}
            for name, (w, d, s) in VARIANTS.items()
        }
        | {"cluster": text.CLUSTER_THRESHOLD, "domain_margin": text.DOMAIN_MARGIN},
        "duplicates": variants(lambda d, s: duplicates(rows, d)),
        "similar": variants(lambda d, s: similar(rows, s)),
        "weights": weights(rows),
        "domain": variants(lambda d, s: domains(rows)),
        "clusters": variants(lambda d, s: clusters(rows)),
    }
    if HELDOUT.exists():
        held = load(HELDOUT)
        mixed = rows + held
        ids = {r["id"] for r in held}
        report["heldout"] = {
            **describe(held),
            "alone": {
                "duplicates": variants(lambda d, s: duplicates(held, d)),
                "similar": variants(lambda d, s: similar(held, s)),
            },
            "among_labelled": {
                "duplicates": variants(lambda d, s: duplicates(mixed, d, ids)),
                "similar": variants(lambda d, s: similar(mixed, s, ids)),
            },
            "domain_among_labelled": variants(lambda d, s: domains(mixed, ids)),
        }
    report["timing"] = variants(lambda d, s: timing(rows, args.ideas))
    report["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
