"""Reading a file a user names, within a limit: one past it is refused before it is read, and one that says it
is small and is not (a file in /proc, one still growing) is read no further than the limit, so no file can
take the memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factoryos.model.errors import FactoryosError


class FileTooLarge(FactoryosError):
    """A file past the limit for its kind; `reason` says so without naming the file."""

    def __init__(self, path: Path, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a key given twice (`json.loads`'s `object_pairs_hook`): the
    standard library, like orjson, keeps the last and says nothing."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


def read_bounded(path: Path, limit: int, kind: str) -> bytes:
    """The bytes of the regular file `path`, refused past `limit` bytes; `kind` names the file in the errors
    ("plant file")."""
    if not path.exists():
        raise FactoryosError(f"{path}: no such {kind}")
    if not path.is_file():
        raise FactoryosError(f"{path}: not a regular file (a folder, a device or a pipe); a {kind} is read from one")
    refused = f"larger than {limit / 2**20:g} MB, the limit for a {kind}"
    if path.stat().st_size > limit:
        raise FileTooLarge(path, refused)
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as error:
        raise FactoryosError(f"{path}: {error.strerror or error}") from None
    if len(content) > limit:
        raise FileTooLarge(path, refused)
    return content
