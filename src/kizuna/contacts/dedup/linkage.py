"""Fellegi–Sunter record linkage: how much each agreement or disagreement says about two records.

Each field is compared into a level (the same, a near spelling, different, or unknown when either record lacks
it). A level weighs log2(m / u): m is how often true duplicates show it, u how often two unrelated records do.
A value shared by many records (佐藤 健, a busy business-district postcode, an office number shared by forty
colleagues) weighs by its own frequency instead of the field's average (term-frequency adjustment), so a shared
rare name says much and a shared common one little. The prior odds are the expected duplicates per record over
the number of possible pairs, so the same evidence counts for less as the database grows.

The parameters come from `priors.json` until `kizuna dedup --train` estimates them from the user's own records
by expectation maximisation (no labels needed; u from random pairs). Knowledge that must not be outweighed stays
a rule (see `hard_rule` in matching.py).
"""

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext

PRIORS = Path(__file__).with_name("priors.json")
NULL = -1  # either record lacks the field: no evidence either way
REFERENCE_RECORDS = 2000  # the smallest database size the prior assumes (and the size without data: a bare call)
TF_SMOOTHING = 1000  # pseudo-records of the field's average u: a handful of records cannot make a name "common"
LEARNING_WEIGHT = 20  # pseudo-pairs of the priors behind each estimated m: little data moves little


@dataclass(frozen=True)
class Level:
    key: str
    reason: str  # what a person reads ("同じ携帯電話"); the weight is added when shown
    tf: str = ""  # the frequency table an agreement on this level is weighed by, if any
    common_reason: str = ""  # shown instead of `reason` when the shared value is common


@dataclass(frozen=True)
class Comparison:
    key: str
    levels: tuple[Level, ...]  # agreements first; the last level is "different"


@dataclass
class Frequencies:
    """How many records hold each value of a field, and how many records there are."""

    records: int = 0
    counts: dict[str, Counter] = field(default_factory=dict)
    _holders: set = field(default_factory=set, repr=False)  # hashes of (table, value, holder) counted

    def count(self, table: str, value: str) -> int | None:
        counts = self.counts.get(table)
        return counts.get(value, 1) if counts is not None else None

    def add(self, table: str, value: str) -> None:
        if value:
            self.counts.setdefault(table, Counter())[value] += 1

    def add_holder(self, table: str, value: str, holder: str | None) -> None:
        """Count `value` once per distinct `holder`: a mobile on three records of one name is one person's
        (entered three times), a number on forty records of forty names is a shared line. A holder of None is
        not known (it may be any of the others): it adds none, and a value only it holds counts as one."""
        if value and holder is not None:
            key = hash((table, value, holder))
            counts = self.counts.setdefault(table, Counter())
            if key not in self._holders:
                self._holders.add(key)
                counts[value] += 1


@dataclass
class Model:
    """m and u per comparison level, and the expected number of duplicates per record."""

    kind: str
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    duplicates_per_record: float
    trained_on: int = 0  # records the estimate saw (0 = the shipped priors)

    def to_json(self) -> dict:
        return {"kind": self.kind, "m": self.m, "u": self.u, "duplicates_per_record": self.duplicates_per_record,
                "trained_on": self.trained_on}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> "Model":
        return cls(kind=data["kind"], m=data["m"], u=data["u"], duplicates_per_record=data["duplicates_per_record"],
                   trained_on=data.get("trained_on", 0))  # fmt: skip


def shipped(kind: str) -> Model:
    return Model.from_json(json.loads(PRIORS.read_text())[kind])


def prior_weight(model: Model, records: int) -> float:
    """log2 of the odds that two records picked at random are the same (the weight before any evidence).
    A small database is judged as if it had REFERENCE_RECORDS: on the first day, with twenty people entered,
    a namesake is no more likely the same person than it will be in a year."""
    pairs = (max(records, REFERENCE_RECORDS) - 1) / 2
    share = min(0.5, model.duplicates_per_record / pairs)
    return math.log2(share / (1 - share))


class Scorer:
    """Weights of one model on one data set; `score` turns a comparison vector into a probability."""

    def __init__(self, model: Model, comparisons: tuple[Comparison, ...], freq: Frequencies | None = None):
        self.model = model
        self.comparisons = comparisons
        self.freq = freq
        self.records = freq.records if freq and freq.records else REFERENCE_RECORDS
        self.prior = prior_weight(model, self.records)
        self.weights = [
            [math.log2(m / u) for m, u in zip(model.m[c.key], model.u[c.key], strict=True)] for c in comparisons
        ]
        self._tf_cache: dict = {}

    def level_weight(self, index: int, level: int, value: str = "") -> tuple[float, bool]:
        """(weight, common) of one comparison at one level; `value` is the shared value for a frequency level."""
        comparison = self.comparisons[index]
        spec = comparison.levels[level]
        if not (spec.tf and value and self.freq):
            return self.weights[index][level], False
        cache_key = (spec.tf, value)
        hit = self._tf_cache.get(cache_key)
        if hit is not None:
            return hit
        count = self.freq.count(spec.tf, value)
        if count is None:
            return self.weights[index][level], False
        # `count` includes both records of the pair: the others holding the value are what chance explains.
        base_u = self.model.u[comparison.key][level]
        u = (max(count - 2, 0) + TF_SMOOTHING * base_u) / (max(self.records, REFERENCE_RECORDS) - 2 + TF_SMOOTHING)
        weight = math.log2(self.model.m[comparison.key][level] / u)
        hit = (weight, weight < self.weights[index][level] - 1 and count > 2)  # "common": others hold it too
        if len(self._tf_cache) < 500_000:
            self._tf_cache[cache_key] = hit
        return hit

    def evidence(self, vector) -> float:
        """The weight of a comparison vector's evidence alone (without the prior)."""
        total = 0.0
        for index, (level, value) in enumerate(vector):
            if level != NULL:
                total += self.level_weight(index, level, value)[0]
        return total

    def weight(self, vector) -> float:
        """The total weight of a comparison vector: log2 of the odds that the pair is one record."""
        return self.prior + self.evidence(vector)

    def fit_prior(self, evidence) -> float:
        """Fit the duplicates per record to the compared pairs' evidence (the EM step of the mixing weight, m
        and u held): a messy import with a third of its rows repeated and a clean database get their own prior.
        `evidence` holds the weights without prior of the pairs the scan compares; returns the rate."""
        bins = Counter(round(w, 1) for w in evidence)
        rate = self.model.duplicates_per_record
        for _ in range(50):
            prior = prior_weight(Model(self.model.kind, {}, {}, rate), self.records)
            matched = sum(probability(prior + w) * count for w, count in bins.items())
            new = min(max(matched / max(self.records, 1), 1e-3), 2.0)
            if abs(new - rate) < 1e-4:
                rate = new
                break
            rate = new
        self.prior = prior_weight(Model(self.model.kind, {}, {}, rate), self.records)
        return rate

    def score(self, vector, *, explain: bool = True) -> tuple[float, list[str]]:
        """`vector` holds (level, shared value) per comparison; (probability, reasons with their weights)."""
        if not explain:
            return probability(self.weight(vector)), []
        total = self.prior
        reasons = []
        for index, (level, value) in enumerate(vector):
            if level == NULL:
                continue
            weight, common = self.level_weight(index, level, value)
            total += weight
            spec = self.comparisons[index].levels[level]
            text = spec.common_reason if common and spec.common_reason else spec.reason
            if text and abs(weight) >= 0.5:
                reasons.append((weight, f"{text} {'+' if weight >= 0 else '−'}{abs(weight):.1f}"))
        reasons.sort(key=lambda r: -abs(r[0]))
        return probability(total), [text for _, text in reasons]


def reason_parts(reason: str) -> tuple[str, float | None]:
    """("同じ携帯電話", 9.1) of "同じ携帯電話 +9.1"; a rule's reason has no weight."""
    head, _, tail = reason.rpartition(" ")
    if head and tail[:1] in "+−":
        try:
            return head, float(tail[1:]) * (-1 if tail[0] == "−" else 1)
        except ValueError:
            pass
    return reason, None


def reason_label(reason: str) -> str:
    return reason_parts(reason)[0]


def evidence(reasons) -> list[dict]:
    """Reasons as the API shows them beside the text: [{"label": "同じ携帯電話", "weight": 9.1}, ...], each label in
    the reader's language."""
    return [{"label": gettext(label), "weight": weight} for label, weight in map(reason_parts, reasons)]


def shown(reason: str) -> str:
    """A stored reason ("同じ携帯電話 +9.1", kept in Japanese) in the reader's language ("Same mobile +9.1")."""
    head, _weight = reason_parts(reason)
    return gettext(head) + reason[len(head) :]


def probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    return 1 / (1 + 2**-weight)


# --- estimation -----------------------------------------------------------------------------------


def _em(vectors: Counter, model: Model, comparisons, fixed: set[str], *, rounds: int = 40):
    """Expectation maximisation of m (u fixed) over distinct comparison vectors with their counts.
    Comparisons in `fixed` are left out: the training pairs were chosen by them, so they prove nothing.
    Returns (expected m counts per comparison, matched pairs)."""
    keys = [c.key for c in comparisons]
    active = [k not in fixed for k in keys]
    m = {k: list(v) for k, v in model.m.items()}
    share = 0.1
    tallies: dict = {}
    matched = 0.0
    total = sum(vectors.values())
    for _ in range(rounds):
        tallies = {k: [0.0] * len(m[k]) for k in keys}
        matched = 0.0
        for vector, count in vectors.items():
            log_m, log_u = math.log(share), math.log(1 - share)
            for k, on, level in zip(keys, active, vector, strict=True):
                if on and level != NULL:
                    log_m += math.log(m[k][level])
                    log_u += math.log(model.u[k][level])
            p = 1 / (1 + math.exp(min(700.0, log_u - log_m)))
            matched += p * count
            for k, on, level in zip(keys, active, vector, strict=True):
                if on and level != NULL:
                    tallies[k][level] += p * count
        new_share = min(max(matched / total, 1e-6), 1 - 1e-6)
        for k, on in zip(keys, active, strict=True):
            if on:
                seen = sum(tallies[k])
                m[k] = [(t + LEARNING_WEIGHT * prior) / (seen + LEARNING_WEIGHT)
                        for t, prior in zip(tallies[k], model.m[k], strict=True)]  # fmt: skip
        if abs(new_share - share) < 1e-5:
            share = new_share
            break
        share = new_share
    return tallies, matched


def estimate_u(records, compare, comparisons, model: Model, *, pairs: int = 200_000, seed: int = 1) -> dict:
    """u per level from pairs of records picked at random (nearly all of them unrelated)."""
    rng = random.Random(seed)
    n = len(records)
    tallies = {c.key: [0] * len(c.levels) for c in comparisons}
    if n < 2:
        return {k: list(v) for k, v in model.u.items()}
    prior = Scorer(model, comparisons, Frequencies(n))
    for _ in range(min(pairs, n * (n - 1) // 2)):
        i, j = rng.randrange(n), rng.randrange(n)
        if i == j:
            continue
        vector = compare(records[i], records[j])
        if prior.weight(vector) > 0:
            continue  # most likely one record twice: in a small or messy data set it would make u of a match
        for c, (level, _value) in zip(comparisons, vector, strict=True):
            if level != NULL:
                tallies[c.key][level] += 1
    u = {}
    for c in comparisons:
        seen = sum(tallies[c.key])
        # Pseudo-pairs of the prior: a level no random pair showed (two records with one mobile) keeps its
        # prior instead of becoming impossible.
        u[c.key] = [(t + 1000 * prior) / (seen + 1000) for t, prior in zip(tallies[c.key], model.u[c.key], strict=True)]
    return u


def estimate(model: Model, comparisons, records, compare, training_sets, candidate_pairs) -> Model:
    """A model estimated from `records` starting from `model` (the priors).

    `training_sets` are (name, pairs, fixed comparison keys): pairs picked by one blocking rule, whose own fields
    are left out of that round; each m is the mean of the rounds that could see it. The duplicates per record
    come from the expected matches among `candidate_pairs` (the pairs the scan compares)."""
    u = estimate_u(records, compare, comparisons, model)
    start = Model(kind=model.kind, m=model.m, u=u, duplicates_per_record=model.duplicates_per_record)
    estimates: dict[str, list] = {}
    for pairs, fixed in training_sets:
        vectors = Counter(tuple(level for level, _ in compare(records[i], records[j])) for i, j in pairs)
        if sum(vectors.values()) < 20:
            continue
        tallies, _matched = _em(vectors, start, comparisons, fixed)
        for c in comparisons:
            if c.key in fixed:
                continue
            seen = sum(tallies[c.key])
            pairs = zip(tallies[c.key], model.m[c.key], strict=True)
            estimates.setdefault(c.key, []).append(
                [(t + LEARNING_WEIGHT * prior) / (seen + LEARNING_WEIGHT) for t, prior in pairs]
            )
    m = {c.key: [sum(col) / len(col) for col in zip(*estimates[c.key], strict=True)] if c.key in estimates
         else list(model.m[c.key]) for c in comparisons}  # fmt: skip
    trained = Model(kind=model.kind, m=m, u=u, duplicates_per_record=model.duplicates_per_record)
    vectors = Counter(tuple(level for level, _ in compare(records[i], records[j])) for i, j in candidate_pairs)
    if vectors:
        matched = _matched_pairs(vectors, trained, comparisons, len(records))
        trained.duplicates_per_record = max(matched / max(len(records), 1), 1e-4)
    trained.trained_on = len(records)
    return trained


def _matched_pairs(vectors: Counter, model: Model, comparisons, records: int) -> float:
    """Expected true pairs among the compared pairs, the prior fitted to them (a few fixed-point rounds)."""
    weights = {}
    for vector in vectors:
        w = 0.0
        for c, level in zip(comparisons, vector, strict=True):
            if level != NULL:
                w += math.log2(model.m[c.key][level] / model.u[c.key][level])
        weights[vector] = w
    per_record = model.duplicates_per_record
    matched = 0.0
    for _ in range(30):
        candidate = Model(model.kind, model.m, model.u, per_record)
        prior = prior_weight(candidate, records)
        matched = sum(probability(prior + w) * count for vector, count in vectors.items() for w in (weights[vector],))
        new = max(matched / max(records, 1), 1e-4)
        if abs(new - per_record) < 1e-5:
            break
        per_record = new
    return matched
