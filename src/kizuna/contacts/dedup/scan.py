"""Full duplicate scan: blocking, pair scoring, clusters that do not chain. Never compares all pairs."""

import random
from collections import defaultdict
from dataclasses import dataclass, field

from . import linkage
from .matching import CANNOT_LINK, KINDS, MAX_BLOCK, judge, scorer_for

PERSON, COMPANY = "person", "company"
DEFAULT_MIN_SCORE = 0.9
JOIN_SUPPORT = 0.5  # the mean probability a group must have with the members of another to join it
DISMISSED = "dismissed"  # a person said the two are not duplicates
MAX_CROSS = 400  # member pairs looked at when two groups would join (the first ones; big groups are rare)


@dataclass
class Cluster:
    score: float  # the weakest link that holds the cluster together
    reasons: list[str]
    members: list = field(default_factory=list)  # facts, lowest id first
    pairs: list = field(default_factory=list)  # (id_a, id_b, score, reasons)


@dataclass
class ScanStats:
    records: int = 0
    blocks: int = 0
    skipped_blocks: int = 0  # keys too common to be evidence (see MAX_BLOCK)
    comparisons: int = 0
    pairs: int = 0


def candidate_pairs(records, keys_of, stats: ScanStats):
    """Distinct (i, j) index pairs of records sharing at least one blocking key. Keys are kept as their
    hash and a block of one as a bare index: at a million people that is most of the memory saved
    (a rare hash collision only adds a comparison, which the scorer then judges)."""
    blocks: dict[int, int | list[int]] = {}
    for i, record in enumerate(records):
        for key in set(keys_of(record)):
            h = hash(key)
            slot = blocks.get(h)
            if slot is None:
                blocks[h] = i
            elif type(slot) is int:
                blocks[h] = [slot, i]
            else:
                slot.append(i)
    seen = set()
    for members in blocks.values():
        if type(members) is int:
            continue
        stats.blocks += 1
        if len(members) > MAX_BLOCK:
            stats.skipped_blocks += 1
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if (i, j) not in seen:
                    seen.add((i, j))
                    yield i, j


class _Groups:
    """Clusters that do not chain. Two groups join only when no member of one is known to differ from a member
    of the other (different birthdays, namesake colleagues, dismissed by a person: cannot-link wins over
    transitivity) and the members match each other on average, not only through the one link that joins them
    (a sparse record that looks like two namesakes does not make them one). A link by a personal identifier
    (the same mobile or personal e-mail) joins even when the others only lack evidence: a job changer's new
    record shares nothing but the mobile with the old ones; it does not join when a name in the groups differs."""

    def __init__(self, probability, identified=None, names_differ=None):
        self.probability = probability  # (i, j) -> probability of two records, i < j
        self.identified = identified  # (i, j) -> whether the two share a personal identifier
        self.names_differ = names_differ  # (i, j) -> whether the two names are known to differ
        self.group: dict[int, list[int]] = {}
        self.blocked: dict[int, set] = defaultdict(set)

    def members(self, i: int) -> list[int]:
        return self.group.get(i) or [i]

    def cannot_link(self, i: int, j: int) -> None:
        self.blocked[i].add(j)
        self.blocked[j].add(i)

    def join(self, i: int, j: int) -> bool:
        a, b = self.members(i), self.members(j)
        if a is b:
            return True
        if any(self.blocked.get(x, ()) and self.blocked[x].intersection(b) for x in a):
            return False
        if len(a) + len(b) > 2:
            cross = [(x, y) for x in a for y in b][:MAX_CROSS]
            support = sum(self.probability(min(x, y), max(x, y)) for x, y in cross) / len(cross)
            if support < JOIN_SUPPORT and not self._identified(i, j, cross):
                return False
        joined = a + b
        for x in joined:
            self.group[x] = joined
        return True

    def _identified(self, i: int, j: int, cross) -> bool:
        if self.identified is None or not self.identified(min(i, j), max(i, j)):
            return False
        return not any(self.names_differ(min(x, y), max(x, y)) for x, y in cross)


def _prepare(kind: str, records, model):
    spec = KINDS[kind]
    freq = spec.frequencies(records)
    return spec, scorer_for(kind, model or linkage.shipped(kind), freq)


def _compared(spec, scorer, records, stats, dismissed):
    """Every candidate pair once: (i, j, evidence weight or None, the rule's cap or None, the rule's reason).
    A rule that decides (different birthdays, the same 法人番号) leaves no weight; a dismissed pair scores 0."""
    rows = []
    for i, j in candidate_pairs(records, spec.keys, stats):
        a, b = records[i], records[j]
        stats.comparisons += 1
        if (min(a.id, b.id), max(a.id, b.id)) in dismissed:
            rows.append((i, j, None, 0.0, DISMISSED))
            continue
        vector = spec.compare(a, b)
        rule = spec.rule(a, b, vector)
        if rule is not None and rule[0] in (0.0, 1.0):
            rows.append((i, j, None, rule[0], rule[1]))
        else:
            rows.append((i, j, scorer.evidence(vector), *(rule or (None, ""))))
    return rows


def _scored(kind: str, records, model, stats, dismissed=frozenset()):
    """(spec, scorer, [(probability, i, j, reason of a rule)]) of every compared pair, the prior fitted."""
    spec, scorer = _prepare(kind, records, model)
    rows = _compared(spec, scorer, records, stats, dismissed)
    scorer.fit_prior(row[2] for row in rows if row[2] is not None)
    scored = []
    for i, j, evidence, cap, reason in rows:
        value = cap if evidence is None else linkage.probability(scorer.prior + evidence)
        if evidence is not None and cap is not None:
            value = min(value, cap)
        scored.append((value, i, j, reason))
    return spec, scorer, scored


def find_clusters(kind: str, records, *, min_score: float = DEFAULT_MIN_SCORE, dismissed=frozenset(), stats=None,
                  model: linkage.Model | None = None):  # fmt: skip
    """Clusters of probable duplicates among `records` (PersonFacts or CompanyFacts), strongest links first.
    `dismissed` holds (low id, high id) pairs a person marked as not duplicates; `model` is the stored model
    (the shipped priors when None), weighed by the frequencies of `records`."""
    stats = stats or ScanStats()
    records = list(records)
    stats.records = len(records)
    spec, scorer, scored = _scored(kind, records, model, stats, dismissed)
    known: dict[tuple[int, int], float] = {}

    def probability(i: int, j: int) -> float:
        if (i, j) not in known:
            known[(i, j)] = judge(spec, scorer, records[i], records[j], explain=False)[0]
        return known[(i, j)]

    def identified(i: int, j: int) -> bool:
        return spec.identified(spec.compare(records[i], records[j]))

    def names_differ(i: int, j: int) -> bool:
        return spec.names_differ(spec.compare(records[i], records[j]))

    groups = _Groups(probability, identified, names_differ)
    kept = []
    for value, i, j, reason in scored:
        if value >= min_score:
            kept.append((value, i, j))
        elif reason in CANNOT_LINK or reason == DISMISSED:
            groups.cannot_link(i, j)
        if value >= 0.01 or reason == DISMISSED:  # the rest is recomputed if a join asks (memory at 1M)
            known[(i, j)] = value
    del scored
    kept.sort(key=lambda row: (-row[0], row[1], row[2]))
    kept = [row for row in kept if groups.join(row[1], row[2])]
    stats.pairs = len(kept)
    clusters: dict[int, Cluster] = {}
    for value, i, j in kept:
        members = groups.members(i)
        cluster = clusters.setdefault(id(members), Cluster(score=1.0, reasons=[]))
        if not cluster.members:
            cluster.members = sorted((records[m] for m in members), key=lambda r: r.id)
        reasons = judge(spec, scorer, records[i], records[j])[1]
        cluster.score = min(cluster.score, value)
        cluster.pairs.append((records[i].id, records[j].id, value, reasons))
        labels = {linkage.reason_label(r) for r in cluster.reasons}
        cluster.reasons += [r for r in reasons if linkage.reason_label(r) not in labels]
    return sorted(clusters.values(), key=lambda c: (-c.score, c.members[0].id)), stats


def scored_pairs(kind: str, records, *, model: linkage.Model | None = None):
    """(id_a, id_b, probability) of every pair the scan compares (for calibration and benches)."""
    records = list(records)
    _spec, _scorer, scored = _scored(kind, records, model, ScanStats())
    for value, i, j, _reason in scored:
        yield records[i].id, records[j].id, value


def best_matches(kind: str, facts, candidates, *, min_score: float = 0.85, limit: int = 5, scorer=None):
    """[(score, reasons, candidate)] for a record not saved yet against `candidates`, best first."""
    spec = KINDS[kind]
    scorer = scorer or scorer_for(kind)
    found = []
    for other in candidates:
        if other.id == facts.id:
            continue
        value, reasons = judge(spec, scorer, facts, other)
        if value >= min_score:
            found.append((value, reasons, other))
    found.sort(key=lambda row: (-row[0], row[2].id))
    return found[:limit]


# --- training -------------------------------------------------------------------------------------

_TRAINING_BLOCKS = {  # blocking rules whose pairs train m; each leaves out the fields it picked the pairs by
    PERSON: ((("m", "e"), {"mobile", "email"}), (("n",), {"name"})),
    COMPANY: ((("k",), {"name"}), (("p",), {"phone"})),
}
MAX_TRAINING_BLOCK = 30  # members of one block used for training: 佐藤 健 must not be most of the pairs


def _training_keys(kind: str, record):
    if kind == PERSON:
        yield from (k for k in KINDS[kind].keys(record) if k[0] in ("m", "e"))
        if record.name:
            yield ("n", record.name)
    else:
        yield from (k for k in KINDS[kind].keys(record) if k[0] in ("k", "p"))


def train(kind: str, records, *, prior: linkage.Model | None = None, seed: int = 1) -> linkage.Model:
    """A model estimated from `records` by expectation maximisation, starting from `prior` (the shipped priors)."""
    records = list(records)
    spec = KINDS[kind]
    prior = prior or linkage.shipped(kind)
    rng = random.Random(seed)
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        for key in set(_training_keys(kind, record)):
            blocks[key].append(i)
    training_sets = []
    for prefixes, fixed in _TRAINING_BLOCKS[kind]:
        pairs = set()
        for key, members in blocks.items():
            if key[0] in prefixes and len(members) > 1:
                if len(members) > MAX_TRAINING_BLOCK:
                    members = rng.sample(members, MAX_TRAINING_BLOCK)
                pairs.update((i, j) for x, i in enumerate(members) for j in members[x + 1 :])
        training_sets.append((sorted(pairs), fixed))
    candidates = list(candidate_pairs(records, spec.keys, ScanStats()))
    return linkage.estimate(prior, spec.comparisons, records, spec.compare, training_sets, candidates)
