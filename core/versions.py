"""Data that built queries may read besides their inputs, with a version each (issue 13).

A query built once and reused (`org.scope`'s restrictions, `core.api.listcache`'s compiled
lists) is a pure function of its key and of such data: the policy profile's matrix, the
registry of case kinds. The owner of the data registers it (`versioned`: a name and a
function giving its current version); whoever reads it while a query is being built notes
the version read (`note_read`); the builder records those reads (`recording`) and reuses
what it built only while every one is still `current`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Reads = tuple[tuple[str, Any], ...]

_versions: dict[str, Callable[[], Any]] = {}
_reads: ContextVar[list[tuple[str, Any]] | None] = ContextVar("versioned_reads", default=None)


def versioned(name: str, current: Callable[[], Any]) -> None:
    """Register data queries may read; `current()` gives its version now."""
    _versions[name] = current


def note_read(name: str, version: Any) -> None:
    """A query being built read `name` at `version` (what is built from it is reused only
    while `name` is at that version)."""
    reads = _reads.get()
    if reads is not None:
        reads.append((name, version))


@contextmanager
def recording() -> Iterator[list[tuple[str, Any]]]:
    """The reads noted inside the block, in order (those of an enclosing recording are
    noted there too, once the block ends: `replay`)."""
    outer = _reads.get()
    reads: list[tuple[str, Any]] = []
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
        if outer is not None:
            outer.extend(reads)


def settled(reads: list[tuple[str, Any]]) -> Reads | None:
    """The reads as one version per name, or None when a name was read at two versions
    (the data changed while the query was built: it must not be kept)."""
    versions = dict(reads)
    if len(versions) != len(set(reads)):
        return None
    return tuple(versions.items())


def current(reads: Reads) -> bool:
    """Every read still at the version it was read at."""
    return all(_versions[name]() == version for name, version in reads)


def replay(reads: Reads) -> None:
    """Note `reads` again (a built query reused inside another being built)."""
    for name, version in reads:
        note_read(name, version)
