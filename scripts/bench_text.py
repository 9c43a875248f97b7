"""Measure participation/text.py on our labelled ideas; print JSON.

    .venv/bin/python scripts/bench_text.py            # --ideas N for the timing corpus

The labelled set (tests/data/ideas/labelled.jsonl) is written by us: 134 ideas in nl, fr
and en over 7 domains; ``duplicate_of`` names the earlier idea a paraphrase repeats
(all ideas linked this way form one group, every pair in a group is a duplicate pair);
``decoy_of`` names an idea a decoy shares words with but does not repeat. Figures:

- ``duplicates``: precision and recall of ``duplicate_pairs`` over all pairs, recall
  split into same-language and cross-language pairs, the decoy pairs flagged, and the
  same at a few other thresholds (how ``DUPLICATE_THRESHOLD`` was chosen).
- ``similar``: for each paraphrase, posted after its original, with only the ideas of
  lower id as the existing ones: is an idea of its group among ``similar``'s top 1 / 5?
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
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from participation import text  # noqa: E402
from participation.text import IdeaText  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "ideas" / "labelled.jsonl"


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


def duplicates(rows: list[dict[str, Any]]) -> dict[str, Any]:
    group = groups(rows)
    lang = {r["id"]: r["lang"] for r in rows}
    true = {
        _pair(a["id"], b["id"])
        for a, b in combinations(rows, 2)
        if group[a["id"]] == group[b["id"]]
    }
    cross = {p for p in true if lang[p[0]] != lang[p[1]]}
    decoys = {_pair(r["id"], r["decoy_of"]) for r in rows if r["decoy_of"] is not None}
    scored = text.duplicate_pairs([idea(r) for r in rows], threshold=0.0)

    def at(threshold: float) -> dict[str, Any]:
        found = {_pair(p.first, p.second) for p in scored if p.score >= threshold}
        hits = found & true
        return {
            "threshold": threshold,
            "flagged": len(found),
            "precision": round(len(hits) / len(found), 3) if found else 1.0,
            "recall": round(len(hits) / len(true), 3),
            "recall_same_language": round(len(hits - cross) / len(true - cross), 3),
            "recall_cross_language": round(len(hits & cross) / len(cross), 3),
            "decoys_flagged": len(found & decoys),
        }

    return {
        "pairs": len(true),
        "cross_language_pairs": len(cross),
        "decoy_pairs": len(decoys),
        "chosen": at(text.DUPLICATE_THRESHOLD),
        "sweep": [at(t / 100) for t in range(25, 55, 5)],
    }


def similar(rows: list[dict[str, Any]]) -> dict[str, Any]:
    group = groups(rows)
    lang = {r["id"]: r["lang"] for r in rows}
    found: dict[str, Counter[str]] = {"same_language": Counter(), "cross_language": Counter()}
    for row in rows:
        if row["duplicate_of"] is None:
            continue
        before = [idea(r) for r in rows if r["id"] < row["id"]]
        matches = text.similar(row["title"], row["text"], before)
        kind = "same_language" if lang[row["duplicate_of"]] == row["lang"] else "cross_language"
        mine = [k for k, m in enumerate(matches) if group[int(m.id)] == group[row["id"]]]
        found[kind]["ideas"] += 1
        found[kind]["top1"] += bool(mine and mine[0] == 0)
        found[kind]["top5"] += bool(mine)
    out: dict[str, Any] = {"threshold": text.SIMILAR_THRESHOLD, "limit": 5}
    total = found["same_language"] + found["cross_language"]
    for kind, counts in [*found.items(), ("all", total)]:
        out[kind] = {
            "ideas": counts["ideas"],
            "top1_recall": round(counts["top1"] / counts["ideas"], 3),
            "top5_recall": round(counts["top5"] / counts["ideas"], 3),
        }
    return out


def domains(rows: list[dict[str, Any]]) -> dict[str, Any]:
    group = groups(rows)
    results: dict[str, list[tuple[bool, bool]]] = {"labelled_and_seeds": [], "seeds_only": []}
    forced = 0
    for row in rows:
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
        "ideas": len(rows),
        "accuracy_always_answering": round(forced / len(rows), 3),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=1000, help="ideas in the timing corpus")
    args = parser.parse_args()
    rows = load()
    report = {
        "labelled": {
            "ideas": len(rows),
            "languages": dict(sorted(Counter(r["lang"] for r in rows).items())),
            "domains": len({r["domain"] for r in rows}),
            "paraphrases": sum(r["duplicate_of"] is not None for r in rows),
            "decoys": sum(r["decoy_of"] is not None for r in rows),
        },
        "thresholds": {
            "duplicate": text.DUPLICATE_THRESHOLD,
            "similar": text.SIMILAR_THRESHOLD,
            "cluster": text.CLUSTER_THRESHOLD,
            "domain_margin": text.DOMAIN_MARGIN,
        },
        "duplicates": duplicates(rows),
        "similar": similar(rows),
        "domain": domains(rows),
        "clusters": clusters(rows),
        "timing": timing(rows, args.ideas),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
        },
    }
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
