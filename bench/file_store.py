"""File store benchmark: what storing, reading and backing up files costs through kizuna.core.files on the local
folder (the baseline, in the same run) and on an S3-compatible endpoint (moto's server on 127.0.0.1).

    nice -n 10 .venv/bin/python bench/file_store.py [--files 200] [--kb 200]

For each store: `files.save()` of --files files of --kb KB each (an attachment upload), `files.read_bytes()` of each
(a download), `files.local_path()` of one (how an import reads its file), and the backup's pass over the store
(`walk` + size + stream into a tar in memory). moto keeps objects in memory and answers on loopback, so its numbers
are the client's own cost (boto3 signing, HTTP, the storage API) without a network's round trips: add the real
store's latency (a few ms inside one cloud region) per request.
"""

import argparse
import io
import logging
import os
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def measure(label: str, count: int, size_kb: int) -> dict:
    from django.core.files.storage import default_storage

    from kizuna.core import files
    from kizuna.ops import backup

    body = os.urandom(size_kb * 1024)
    saves, reads, names = [], [], []
    for _ in range(count):
        started = time.perf_counter()
        names.append(files.save("bench", body))
        saves.append(time.perf_counter() - started)
    for name in names:
        started = time.perf_counter()
        assert len(files.read_bytes(name)) == len(body)
        reads.append(time.perf_counter() - started)
    started = time.perf_counter()
    with files.local_path(names[0]) as path:
        assert path.stat().st_size == len(body)
    local_copy = time.perf_counter() - started
    started = time.perf_counter()
    with tarfile.open(fileobj=io.BytesIO(), mode="w") as archive:
        manifest = backup._add_stored_files(archive)
    pass_seconds = time.perf_counter() - started
    assert manifest["count"] == count
    for name in names:
        default_storage.delete(name)
    save50, save95 = _ms(saves)
    read50, read95 = _ms(reads)
    return {"store": label, "save p50": save50, "save p95": save95, "read p50": read50, "read p95": read95,
            "local copy": local_copy * 1000, "backup pass s": pass_seconds,
            "backup MB/s": count * size_kb / 1024 / pass_seconds}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--kb", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("KIZUNA_DATA_DIR", tempfile.mkdtemp(prefix="kz-files-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kizuna.settings")
    import boto3
    import django
    from django.test.utils import override_settings
    from moto.server import ThreadedMotoServer

    django.setup()
    from django.conf import settings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    keys = {"access_key": "bench", "secret_key": "bench-secret"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=keys["access_key"],
                 aws_secret_access_key=keys["secret_key"]).create_bucket(Bucket="kizuna-bench")  # fmt: skip
    s3 = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "kizuna-bench", "endpoint_url": endpoint, "region_name": "us-east-1", "file_overwrite": False,
        **keys}}  # fmt: skip
    rows = []
    try:
        with override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="kz-files-local-")):
            rows.append(measure("local folder (baseline)", args.files, args.kb))
        with override_settings(STORAGES={**settings.STORAGES, "default": s3}):
            rows.append(measure("S3 API (moto, loopback)", args.files, args.kb))
        unthreaded = {**s3, "OPTIONS": {**s3["OPTIONS"], "use_threads": False}}
        with override_settings(STORAGES={**settings.STORAGES, "default": unthreaded}):
            rows.append(measure("S3 API, use_threads=False", args.files, args.kb))
    finally:
        server.stop()
    print(f"{args.files} files of {args.kb} KB; times in ms unless marked")
    columns = list(rows[0])
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in row.values()))


if __name__ == "__main__":
    main()
