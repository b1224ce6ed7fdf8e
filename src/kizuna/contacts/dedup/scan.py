"""Full duplicate scan: blocking, pair scoring, clusters. Never compares all pairs."""

from collections import defaultdict
from dataclasses import dataclass, field

from .matching import CANNOT_LINK, MAX_BLOCK, company_keys, person_keys, score_companies, score_people

PERSON, COMPANY = "person", "company"
DEFAULT_MIN_SCORE = 0.9


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


class _Clusters:
    """Union-find with cannot-link: two groups never join when a member of one is known to differ from a
    member of the other (same name, different mobiles; different birthdays; dismissed by a person). Without
    it a sparse third record chains two real namesakes together."""

    def __init__(self):
        self.parent: dict[int, int] = {}
        self.members: dict[int, set] = {}
        self.blocked: dict[int, set] = {}  # root → records its members must not join

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def cannot_link(self, a: int, b: int) -> None:
        self.blocked.setdefault(self.find(a), set()).add(b)
        self.blocked.setdefault(self.find(b), set()).add(a)

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ma, mb = self.members.get(ra, {ra}), self.members.get(rb, {rb})
        if ma & self.blocked.get(rb, set()) or mb & self.blocked.get(ra, set()):
            return False
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        self.members[ra] = ma | mb
        self.members.pop(rb, None)
        self.blocked[ra] = self.blocked.get(ra, set()) | self.blocked.pop(rb, set())
        return True


def find_clusters(kind: str, records, *, min_score: float = DEFAULT_MIN_SCORE, dismissed=frozenset(), stats=None):
    """Clusters of probable duplicates among `records` (PersonFacts or CompanyFacts), strongest links first.
    `dismissed` holds (low id, high id) pairs a person marked as not duplicates."""
    stats = stats or ScanStats()
    records = list(records)
    stats.records = len(records)
    keys_of, score = (person_keys, score_people) if kind == PERSON else (company_keys, score_companies)
    links = _Clusters()
    kept = []
    for i, j in candidate_pairs(records, keys_of, stats):
        a, b = records[i], records[j]
        stats.comparisons += 1
        if (min(a.id, b.id), max(a.id, b.id)) in dismissed:
            links.cannot_link(i, j)
            continue
        value, reasons = score(a, b)
        if value >= min_score:
            kept.append((i, j, value, reasons))
        elif CANNOT_LINK.intersection(reasons):
            links.cannot_link(i, j)
    kept.sort(key=lambda row: -row[2])
    kept = [row for row in kept if links.union(row[0], row[1])]
    stats.pairs = len(kept)
    groups: dict[int, Cluster] = {}
    member_ids: dict[int, set] = defaultdict(set)
    for i, j, value, reasons in kept:
        root = links.find(i)
        cluster = groups.setdefault(root, Cluster(score=1.0, reasons=[]))
        cluster.score = min(cluster.score, value)
        cluster.reasons += [r for r in reasons if r not in cluster.reasons]
        cluster.pairs.append((records[i].id, records[j].id, value, reasons))
        member_ids[root].update((i, j))
    for root, cluster in groups.items():
        cluster.members = sorted((records[m] for m in member_ids[root]), key=lambda r: r.id)
    return sorted(groups.values(), key=lambda c: (-c.score, c.members[0].id)), stats


def best_matches(kind: str, facts, candidates, *, min_score: float = 0.85, limit: int = 5):
    """[(score, reasons, candidate)] for a record not saved yet against `candidates`, best first."""
    score = score_people if kind == PERSON else score_companies
    found = []
    for other in candidates:
        if other.id == facts.id:
            continue
        value, reasons = score(facts, other)
        if value >= min_score:
            found.append((value, reasons, other))
    found.sort(key=lambda row: (-row[0], row[2].id))
    return found[:limit]
