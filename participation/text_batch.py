"""The costly parts of text.py, done for many documents at once.

``char_tfidf``: the char n-gram TF-IDF text.py compares ideas with, the same matrix
bit for bit as scikit-learn's ``TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
sublinear_tf=True, lowercase=False)`` (same columns in the same order, same values),
but counted with numpy: each n-gram becomes an integer built from its characters'
ranks, and the vocabulary is one sort of those integers. scikit-learn spends a Python
step and a dictionary look-up on every n-gram, which made the residents' "check" step
cost seconds against a few hundred long ideas made of invented words (every n-gram
new). The weighting itself is still scikit-learn's ``TfidfTransformer``.

``suggest_domains``: ``text.suggest_domain`` for many ideas from one fit. The screening
page suggests a domain for every submitted idea; one call per idea refitted everything
over all labelled ideas each time (500 ideas against 500 labelled took minutes). Here
the n-grams' weights are learnt once from the labelled ideas, the domains'
descriptions and all the ideas asked about, and every idea is scored against the
centroids built once. An idea's suggestion can therefore move a little with the other
ideas asked about at the same time (they count in the n-grams' document frequencies,
as the one idea does in ``suggest_domain``): it is a suggestion, an evaluator decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from participation.text import IdeaText, Suggestion

MIN_N, MAX_N = 3, 5  # the n-gram lengths, as text.py's vectorizer had them
_LIMIT = 2**63


def char_counts(docs: Sequence[str]) -> Any:
    """How often each char n-gram (3 to 5 characters inside a word padded with a space
    at each end) occurs in each of ``docs``: a sparse matrix, one row per document, one
    column per n-gram in string order, each row's entries in the order the n-grams first
    occur, exactly as ``CountVectorizer(analyzer="char_wb")`` gives it.
    """
    split = [d.split() for d in docs]
    lengths = np.fromiter(
        (len(w) + 2 for ws in split for w in ws), dtype=np.int64, count=sum(map(len, split))
    )
    joined = "".join(f" {'  '.join(ws)} " for ws in split if ws)  # " w1 " + " w2 " + …
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if points.size == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    alphabet, ranks = np.unique(points, return_inverse=True)
    base = len(alphabet) + 1  # 0 stands after the end of a short n-gram: it sorts first
    chars = np.zeros(points.size + MAX_N - 1, dtype=np.int64)
    chars[: points.size] = ranks.ravel() + 1
    word = np.repeat(np.arange(lengths.size), lengths)  # of each character
    offset = np.arange(points.size) - (np.cumsum(lengths) - lengths)[word]  # in its word
    room = lengths[word] - offset
    # scikit-learn's order: word by word; in a word the 3-grams, then 4-, then 5-grams.
    per_n = [np.maximum(lengths - n + 1, 0) for n in range(MIN_N, MAX_N + 1)]
    word_first = np.cumsum(sum(per_n)) - sum(per_n)
    before = [word_first + sum(per_n[:k], np.zeros_like(lengths)) for k in range(len(per_n))]
    fits = [room >= n for n in range(MIN_N, MAX_N + 1)]
    place = np.concatenate([(b[word] + offset)[f] for b, f in zip(before, fits, strict=True)])
    doc = np.repeat(np.repeat(np.arange(len(docs)), [len(ws) for ws in split]), lengths)
    c = [chars[j : j + points.size] for j in range(MAX_N)]
    # The first three characters in one integer, the last two in another: both < 2**63.
    high = (c[0] * base + c[1]) * base + c[2]
    low = [np.zeros_like(high), c[3] * base, c[3] * base + c[4]]
    highs, lows, rows = (np.empty(place.size, dtype=np.int64) for _ in range(3))
    highs[place] = np.concatenate([high[f] for f in fits])  # in scikit-learn's order
    lows[place] = np.concatenate([lo[f] for lo, f in zip(low, fits, strict=True)])
    rows[place] = np.concatenate([doc[f] for f in fits])
    if (int(highs.max()) + 1) * base ** (MAX_N - MIN_N) <= _LIMIT:  # one integer: one sort
        columns, first = _ranks(highs * base ** (MAX_N - MIN_N) + lows)
    else:  # many distinct characters: sort by both
        columns, first = _ranks(highs, lows)
    # In a row, scikit-learn keeps the n-grams in the order they first occur in all docs.
    seen = np.argsort(first, kind="stable")
    rank = np.empty_like(seen)
    rank[seen] = np.arange(seen.size)
    found, counts = np.unique(rows * seen.size + rank[columns], return_counts=True)
    rows, ranked = np.divmod(found, seen.size)
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(docs)), out=indptr[1:])
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # no stubs installed

    return csr_matrix(
        (counts.astype(np.float64), seen[ranked], indptr), shape=(len(docs), seen.size)
    )


def _ranks(high: np.ndarray, low: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each key's place among the distinct keys in order, and where each distinct key
    first occurs."""
    if low is None:
        _, first, inverse = np.unique(high, return_index=True, return_inverse=True)
        return inverse.ravel(), first
    order = np.lexsort((low, high))  # stable: the first of equal keys comes first
    h, lo = high[order], low[order]
    new = np.ones(order.size, dtype=bool)
    new[1:] = (h[1:] != h[:-1]) | (lo[1:] != lo[:-1])
    out = np.empty_like(order)
    out[order] = np.cumsum(new) - 1
    return out, order[new]


def char_tfidf(docs: Sequence[str]) -> Any:
    """The char n-gram TF-IDF of ``docs``: L2-normalised rows, sublinear term frequency,
    smoothed inverse document frequency (see the module docstring)."""
    from sklearn.feature_extraction.text import TfidfTransformer

    return TfidfTransformer(sublinear_tf=True).fit_transform(char_counts(docs))


def suggest_domains(
    ideas: Sequence[IdeaText],
    labelled: Sequence[tuple[IdeaText, str]] = (),
    seeds: Mapping[str, str] | None = None,
    margin: float | None = None,
) -> dict[str | int, Suggestion | None]:
    """For each of ``ideas`` (by id), its likely domain, or None when none clearly leads.

    As ``text.suggest_domain`` (nearest centroid of the ``labelled`` ideas and the
    ``seeds``, by default text.py's), for all ``ideas`` from one fit. An idea that is
    also in ``labelled`` counts in its own domain's centroid: leave it out of
    ``labelled`` if that matters.
    """
    from participation import text as t  # text.py imports this module

    seeds = t.DOMAIN_SEEDS if seeds is None else seeds
    margin = t.DOMAIN_MARGIN if margin is None else margin
    t._unique(ideas)
    out: dict[str | int, Suggestion | None] = {i.id: None for i in ideas}
    domains = sorted({*seeds, *(domain for _, domain in labelled)})
    asked = [(i.id, q) for i in ideas if (q := t._topic(i.title, i.text))]
    if not asked or not domains:
        return out
    train = [t._topic(i.title, i.text) for i, _ in labelled]
    seed_docs = [" ".join(t.words(t.fold(seeds.get(d, "")))) for d in domains]
    matrix = t._vectors([*train, *seed_docs, *(query for _, query in asked)])
    if matrix is None:
        return out
    first = len(train) + len(domains)
    seed_rows = np.asarray(matrix[len(train) : first].toarray())  # one row per domain
    members: dict[str, list[int]] = {}
    for n, (_, domain) in enumerate(labelled):
        members.setdefault(domain, []).append(n)
    centroids = np.zeros_like(seed_rows)
    for k, domain in enumerate(domains):
        if domain in members:
            centroids[k] += t._unit(np.asarray(matrix[members[domain]].mean(axis=0)).ravel())
        centroids[k] += t.SEED_WEIGHT * seed_rows[k]  # seed rows are already unit length
        centroids[k] = t._unit(centroids[k])
    queries = matrix[first:]
    if len(asked) == 1:  # dense, as suggest_domain always summed: the same figures to the bit
        scores = (centroids @ np.asarray(queries.toarray()).ravel())[None, :]
    else:
        scores = np.asarray(queries @ centroids.T)
    for (idea_id, _), row in zip(asked, scores, strict=True):
        out[idea_id] = _best(t, row, domains, margin)
    return out


def _best(t: Any, scores: np.ndarray, domains: list[str], margin: float) -> Suggestion | None:
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    runner_up = int(order[1]) if len(domains) > 1 else None
    lead = float(scores[best] - (scores[runner_up] if runner_up is not None else 0.0))
    if scores[best] <= 0.0 or lead < margin:
        return None
    found: Suggestion = t.Suggestion(
        domains[best],
        t._clip(scores[best]),
        lead,
        domains[runner_up] if runner_up is not None else None,
    )
    return found
