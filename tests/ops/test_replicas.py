"""Read scaling against a real streaming standby that the test starts (pg_basebackup + a hot standby on another
port): GET reads go to it, writes and the reads of a user who just wrote go to the primary, a lagging replica is
skipped."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test import Client, override_settings

from kizuna.contacts import services as contacts
from kizuna.contacts.models import Person
from kizuna.ops import replicas

ROOT = Path(__file__).resolve().parents[2]
STATE = os.environ.get("KIZUNA_PG_STATE", str(ROOT / "var/pg-cluster.env"))
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
pytestmark = [
    pytest.mark.skipif(not PG or not Path(STATE).exists(), reason="needs the PostgreSQL cluster of scripts/test.sh"),
    pytest.mark.django_db(transaction=True),  # data must be committed to reach the standby
    # A standby accepts reads once no transaction of the primary with more than 64 savepoints is open; the other
    # tests keep such transactions open for a whole module, so scripts/test.sh runs these on their own afterwards.
    pytest.mark.replica,
]


@pytest.fixture(scope="module")
def standby_port(django_db_setup, django_db_blocker):
    """One streaming standby for the module (a base backup is the slow part), started once the test database exists."""
    env = {**os.environ, "KIZUNA_PG_STATE": STATE}
    run = subprocess.run(["bash", "scripts/pg_cluster.sh", "replica"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=False)  # fmt: skip
    assert run.returncode == 0, f"the standby did not start:\n{run.stdout}\n{run.stderr}"
    try:
        yield run.stdout.strip().rsplit(":", 1)[1].split("/")[0]
    finally:
        subprocess.run(["bash", "scripts/pg_cluster.sh", "replica-stop"], cwd=ROOT, env=env, check=False, timeout=120)


@pytest.fixture
def replica(standby_port, transactional_db, settings):
    """The standby as an alias, added once the test database is set up (the test case refuses aliases it knew at its
    start and was not told about)."""
    connections.settings["replica_1"] = {**connection.settings_dict, "PORT": standby_port}
    connections["replica_1"].connect()  # opened here: the test case only refuses to open unknown aliases itself
    replicas.forget_health()
    try:
        with override_settings(DATABASE_ROUTERS=["kizuna.ops.replicas.ReplicaRouter"]):
            yield "replica_1"
    finally:
        with connections["replica_1"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        connections["replica_1"].close()
        del connections["replica_1"]
        connections.settings.pop("replica_1", None)


def _pause(alias: str) -> None:
    """Stop the standby's replay and wait until it has stopped (a pause is asked for, not immediate)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
        for _ in range(200):
            cursor.execute("SELECT pg_get_wal_replay_pause_state()")
            if cursor.fetchone()[0] == "paused":
                return
            time.sleep(0.05)
    raise AssertionError("the standby did not pause its replay")


def _wait_for(alias: str, pk: int) -> None:
    for _ in range(200):
        if Person.objects.using(alias).filter(pk=pk).exists():
            return
        time.sleep(0.05)
    raise AssertionError("the standby never received the row")


def test_get_reads_use_the_replica_and_a_lagging_one_is_skipped(replica, cast, settings):
    # Other test processes write to the same cluster, so a standby is rarely at the primary's very last WAL record:
    # a few seconds of tolerance for the first half, one second against a paused replay for the second.
    settings.KIZUNA_REPLICA_MAX_LAG_SECONDS = 5
    person = contacts.create_person(actor=cast.owner, data={"family_name": "山田", "given_name": "花子"})
    _wait_for(replica, person.pk)
    with replicas.replica_reads():
        assert Person.objects.all().db == replica
        assert Person.objects.get(pk=person.pk).family_name == "山田"
        with transaction.atomic():  # inside a transaction a read stays with the writes
            assert Person.objects.all().db == "default"
    assert Person.objects.all().db == "default"  # outside a GET request (workers, commands): the primary

    _pause(replica)  # resumed by the fixture
    late = contacts.create_person(actor=cast.owner, data={"family_name": "遅延", "given_name": "次郎"})
    settings.KIZUNA_REPLICA_MAX_LAG_SECONDS = 1
    time.sleep(1.5)  # the last replayed commit is now more than a second old
    replicas.forget_health()
    with replicas.replica_reads():
        assert Person.objects.all().db == "default"  # the replica is behind: the primary answers
        assert Person.objects.filter(pk=late.pk).exists()


def test_a_user_reads_their_own_write_on_the_next_page(replica, cast, settings):
    settings.KIZUNA_REPLICA_MAX_LAG_SECONDS = 3600  # even a replica that is far behind would be used ...
    client = Client()
    client.force_login(cast.owner)
    _pause(replica)
    replicas.forget_health()
    form = {"family_name": "自分", "given_name": "三郎", "lifecycle_stage": "lead", "visibility": "team"}
    response = client.post("/people/new/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert client.cookies.get(replicas.WROTE_COOKIE)  # ... but not for the user who has just written
    page = client.get(response["Location"])  # the new person's page, read while the standby is paused
    assert page.status_code == 200 and "三郎" in page.content.decode()
