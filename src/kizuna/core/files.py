"""Stored files (attachments, business-card photos, import files, the quote seal): every one goes through Django's
storage API, `STORAGES["default"]`, so several app servers can share one volume (`KIZUNA_UPLOADS_DIR`) or an
S3-compatible store (`KIZUNA_STORAGE=s3`, django-storages). Nothing else in the code knows where the bytes live.

Names are relative, `<area>/<yyyy>/<mm>/<random hex><suffix>`; stored files are never rewritten (a new version is a
new name), which is what lets a backup read them after its database snapshot.
"""

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone


def new_name(area: str, suffix: str = "", *, dated: bool = True) -> str:
    stamp = timezone.now().strftime("%Y/%m/") if dated else ""
    return f"{area}/{stamp}{uuid.uuid4().hex}{suffix}"


def save(area: str, content, *, suffix: str = "", dated: bool = True) -> str:
    """Store `content` (an uploaded file, a binary file object or bytes) under a new name in `area`; returns the
    name to keep in the database."""
    if isinstance(content, bytes | bytearray):
        from django.core.files.base import ContentFile

        content = ContentFile(bytes(content))
    elif not hasattr(content, "chunks"):
        content = File(content)
    return default_storage.save(new_name(area, suffix, dated=dated), content)


def open_file(name: str):
    """The stored file, opened for binary reading (the caller closes it). Raises FileNotFoundError when it is gone
    (django-storages' S3 backend does too)."""
    return default_storage.open(name, "rb")


def read_bytes(name: str) -> bytes:
    with open_file(name) as handle:
        return handle.read()


def size(name: str) -> int:
    return default_storage.size(name)


def exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)  # a missing file is not an error (FileSystemStorage and S3 alike)


@contextmanager
def local_path(name: str) -> Iterator[Path]:
    """A path on this machine holding the stored file, for readers that need a real file (xlsx, the import's
    seekable CSV): the file itself on a local storage, a temporary copy (removed afterwards) on a remote one."""
    try:
        yield Path(default_storage.path(name))
        return
    except NotImplementedError:  # no local path: S3 and the like
        pass
    suffix = Path(name).suffix
    with tempfile.NamedTemporaryFile(prefix="kizuna-", suffix=suffix) as copy, open_file(name) as source:
        shutil.copyfileobj(source, copy, 1 << 20)
        copy.flush()
        yield Path(copy.name)


def walk(storage=None, top: str = "") -> Iterator[str]:
    """Every stored file's name, depth first, in a stable order."""
    storage = storage or default_storage
    try:
        directories, names = storage.listdir(top)
    except FileNotFoundError:
        return
    for name in sorted(names):
        yield f"{top}/{name}" if top else name
    for directory in sorted(directories):
        yield from walk(storage, f"{top}/{directory}" if top else directory)
