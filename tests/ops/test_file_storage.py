"""Stored files on an S3-compatible store: the services write and read them through the storage API, and a backup
holds them wherever they live. The store is moto's S3 server on this machine (a real HTTP endpoint, as MinIO or
AWS would be; nothing leaves the machine)."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kizuna.core import files
from kizuna.imports import services as imports
from kizuna.ops.checks import check_file_store
from kizuna.sales.services import issuer
from kizuna.timeline import services as timeline
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
PG = os.environ.get("DATABASE_URL", "").startswith("postgres")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KEYS = {"AWS_ACCESS_KEY_ID": "kizuna-test", "AWS_SECRET_ACCESS_KEY": "kizuna-test-secret"}


@pytest.fixture(scope="module")
def s3():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEYS[
        "AWS_ACCESS_KEY_ID"], aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
    client.create_bucket(Bucket="kizuna-files")
    yield endpoint, client
    server.stop()


def keys(client, prefix: str) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket="kizuna-files", Prefix=prefix).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket="kizuna-files", Key=o["Key"])["Body"].read() for o in listed}


@pytest.fixture
def on_s3(s3, settings):
    endpoint, client = s3
    prefix = f"app-{os.getpid()}"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "kizuna-files", "location": prefix, "endpoint_url": endpoint, "region_name": "us-east-1",
        "access_key": KEYS["AWS_ACCESS_KEY_ID"], "secret_key": KEYS["AWS_SECRET_ACCESS_KEY"],
        "file_overwrite": False}}}  # fmt: skip
    settings.MEDIA_ROOT = "/nonexistent-kizuna-uploads"  # nothing may fall back to the local folder
    yield client, prefix
    for key in keys(client, prefix):
        client.delete_object(Bucket="kizuna-files", Key=key)


def test_attachments_imports_and_the_seal_live_in_the_bucket(cast, on_s3):
    client, prefix = on_s3
    person = factories.person(cast.owner, "田中", "太郎")
    item = timeline.add_attachment(actor=cast.owner, upload=SimpleUploadedFile("名刺.png", PNG), person=person)
    with timeline.open_attachment(item) as handle:
        assert handle.read() == PNG
    assert keys(client, prefix)[f"{prefix}/{item.path}"] == PNG

    text = "氏名,会社名\r\n山田 花子,株式会社山田製作所\r\n鈴木 一郎,鈴木工業株式会社\r\n".encode("cp932")
    job = imports.upload(actor=cast.owner, file=SimpleUploadedFile("顧客.csv", text), filename="顧客.csv")
    assert keys(client, prefix)[f"{prefix}/{job.path}"] == text and job.size == len(text)
    summary = imports.run(job.pk)  # read back from the bucket through a local copy (the reader seeks)
    assert (summary.created, summary.errors) == (2, [])

    issuer.update_issuer(actor=cast.admin, data={"name": "株式会社絆"}, seal=SimpleUploadedFile("seal.png", PNG))
    with issuer.open_seal() as handle:
        assert handle.read() == PNG and issuer.seal_type() == "image/png"

    before = set(keys(client, prefix))  # a file the reader refuses is not left in the bucket
    with pytest.raises(Exception, match="空"):
        imports.upload(actor=cast.owner, file=SimpleUploadedFile("空.csv", b""), filename="空.csv")
    assert set(keys(client, prefix)) == before
    # what a backup walks: every stored file, by its name in the database
    assert sorted(files.walk()) == sorted([item.path, job.path, issuer.get_issuer().seal_path])


def test_check_deploy_reaches_the_bucket(on_s3, settings):
    assert check_file_store() == []
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {
        **settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"}}}  # fmt: skip
    (problem,) = check_file_store()
    assert problem.id == "kizuna.E006" and "no-such-bucket" in problem.msg


def kizuna(data_dir: Path, *args, env: dict):
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update({"KIZUNA_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT / "src"), **env})
    command = [sys.executable, "-m", "kizuna.cli", *args]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=True, timeout=300)


SEED = """
from django.core.files.uploadedfile import SimpleUploadedFile
from kizuna.accounts import services as accounts
from kizuna.contacts import services as contacts
from kizuna.timeline.services import add_attachment
admin = accounts.create_user(actor=None, username="files-admin", password=None, role="admin")
person = contacts.create_person(actor=admin, data={"family_name": "山田", "given_name": "太郎"})
item = add_attachment(actor=admin, upload=SimpleUploadedFile("名刺.png", b"\\x89PNG\\r\\n\\x1a\\n card"), person=person)
print(item.path)
"""


@pytest.mark.skipif(PG, reason="SQLite data dirs only: the SQLite run covers it")
def test_a_backup_holds_the_buckets_files_and_restores_them_to_a_folder_or_a_bucket(s3, _migrated_template,
                                                                                   tmp_path):  # fmt: skip
    endpoint, client = s3
    bucket = {"KIZUNA_STORAGE": "s3", "KIZUNA_S3_BUCKET": "kizuna-files", "KIZUNA_S3_ENDPOINT_URL": endpoint,
              "KIZUNA_S3_REGION": "us-east-1", **KEYS}  # fmt: skip
    source = tmp_path / "source"
    source.mkdir()
    for name in ("kizuna.sqlite3", "secret_key"):
        shutil.copy2(_migrated_template / name, source / name)
    stored = kizuna(source, "shell", "--no-imports", "-c", SEED, env={**bucket, "KIZUNA_S3_PREFIX": "source"})
    name = stored.stdout.strip().splitlines()[-1]
    assert keys(client, "source/") == {f"source/{name}": b"\x89PNG\r\n\x1a\n card"}
    assert not (source / "uploads").exists()

    archive = tmp_path / "kizuna.tar"
    made = kizuna(source, "backup", "-o", str(archive), "--json", env={**bucket, "KIZUNA_S3_PREFIX": "source"})
    assert json.loads(made.stdout)["uploads"] == 1
    with tarfile.open(archive) as tar:
        assert tar.extractfile(f"uploads/{name}").read() == b"\x89PNG\r\n\x1a\n card"

    # into a local folder (a shared volume named by KIZUNA_UPLOADS_DIR) ...
    volume = tmp_path / "volume"
    local = json.loads(kizuna(tmp_path / "local", "restore", str(archive), "--json",
                              env={"KIZUNA_UPLOADS_DIR": str(volume)}).stdout)  # fmt: skip
    assert local["ok"] and local["mismatches"] == []
    assert (volume / name).read_bytes() == b"\x89PNG\r\n\x1a\n card"
    # ... and into another bucket prefix
    into_bucket = {**bucket, "KIZUNA_S3_PREFIX": "restored"}
    again = json.loads(kizuna(tmp_path / "again", "restore", str(archive), "--json", env=into_bucket).stdout)
    assert again["ok"] and keys(client, "restored/") == {f"restored/{name}": b"\x89PNG\r\n\x1a\n card"}
    for key in [*keys(client, "source/"), *keys(client, "restored/")]:
        client.delete_object(Bucket="kizuna-files", Key=key)
