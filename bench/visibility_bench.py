"""Visibility benchmark: what roles-as-data and team sharing cost the one read filter, against the rule as it was
(public, own, shared with me, my team's) built by hand in the same run, on the same data.

    KIZUNA_DATA_DIR=/tmp/kz-bench [DATABASE_URL=postgres://...] .venv/bin/python bench/visibility_bench.py

Uses the people already in the database (load them with `kizuna demo --people 100000` first). Shares 2% of the
people with another team, then times, for a member of a team (fresh user object each time, so the role is read
again as on every request): the first page of the people list, the count of visible people, and a page of the
activities timeline filter; p50/p95 in milliseconds.
"""

import argparse
import os
import random
import statistics
import time


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm the cache
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import django

    django.setup()
    from django.db.models import Exists, OuterRef, Q

    from kizuna.accounts import services as accounts
    from kizuna.accounts.models import User
    from kizuna.contacts.models import Person
    from kizuna.core.permissions import Visibility

    total = Person.objects.count()
    if total < 1000:
        raise SystemExit("load people first: kizuna demo --people 100000")
    team = accounts.get_or_create_team(actor=None, name="ベンチ共有先")
    user = User.objects.filter(username="bench-member").first() or accounts.create_user(
        actor=None, username="bench-member", password=None, role="member", team=team
    )
    through = Person.shared_with_teams.through
    if not through.objects.filter(team=team).exists():
        rng = random.Random(7)
        ids = rng.sample(list(Person.objects.filter(visibility=Visibility.PRIVATE).values_list("pk", flat=True)),
                         k=min(total // 50, Person.objects.filter(visibility=Visibility.PRIVATE).count()))  # fmt: skip
        through.objects.bulk_create([through(person_id=i, team_id=team.pk) for i in ids], batch_size=5000)

    def fresh_user():
        return User.objects.get(pk=user.pk)  # as on a new request: the role is read again

    def old_rule(u):
        shared = Exists(Person.shared_with.through.objects.filter(person_id=OuterRef("pk"), user_id=u.pk))
        rule = Q(visibility=Visibility.PUBLIC) | Q(owner_id=u.pk) | shared
        rule |= Q(visibility=Visibility.TEAM, team_id=u.team_id)
        return Person.objects.alive().filter(rule)

    def page(qs):
        return list(qs.order_by("kana_search", "id")[:25])

    cases = {
        "list page": (lambda: page(Person.objects.visible_to(fresh_user())), lambda: page(old_rule(fresh_user()))),
        "count": (lambda: Person.objects.visible_to(fresh_user()).count(), lambda: old_rule(fresh_user()).count()),
        "name filter": (
            lambda: page(Person.objects.visible_to(fresh_user()).filter(kana_search__startswith="たな")),
            lambda: page(old_rule(fresh_user()).filter(kana_search__startswith="たな")),
        ),
    }
    new_count = Person.objects.visible_to(fresh_user()).count()
    old_count = old_rule(fresh_user()).count()
    print(f"people {total}, visible to the member: now {new_count} (shared with the team: "
          f"{new_count - old_count} more), before {old_count}")  # fmt: skip
    print(f"{'case':<12} {'now p50/p95 ms':>18} {'before p50/p95 ms':>20}")
    for name, (now, before) in cases.items():
        n50, n95 = timed(now, args.repeat)
        b50, b95 = timed(before, args.repeat)
        print(f"{name:<12} {n50:>8.1f}/{n95:<9.1f} {b50:>9.1f}/{b95:<10.1f}")


if __name__ == "__main__":
    main()
