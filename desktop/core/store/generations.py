"""Generations and the alias: a rebuild writes a library into new collections beside the
active ones, and moving the library's alias to them is the atomic switch."""

from __future__ import annotations

from typing import Any

from desktop.core.errors import StoreError


def generation_names(library: str, generation: int) -> tuple[str, str]:
    """The chunks and manifest collections of one generation of a library. Generation 0
    has the names every library had before rebuilds existed."""
    if generation == 0:
        return f"fathom_{library}_chunks", f"fathom_{library}_files"
    return f"fathom_{library}_chunks_g{generation}", f"fathom_{library}_files_g{generation}"


def generation_of(library: str, chunks_collection: str) -> int | None:
    """Which generation of ``library`` a chunks collection holds (None: not one of its)."""
    base = f"fathom_{library}_chunks"
    if chunks_collection == base:
        return 0
    tail = chunks_collection.removeprefix(base + "_g")
    if tail != chunks_collection and tail.isdigit() and not tail.startswith("0"):
        return int(tail)
    return None


def active_alias(library: str) -> str:
    """The alias naming a library's active chunks collection, once it was ever rebuilt;
    moving it is the atomic switch from one generation to the next."""
    return f"fathom_{library}_active"


def alias_target(client: Any, library: str) -> str | None:
    """The chunks collection the library's alias names (None: it was never rebuilt)."""
    alias = active_alias(library)
    if alias not in (client.list_aliases().get("aliases") or []):
        return None
    return str(client.describe_alias(alias)["collection_name"])


def active_generation(client: Any, library: str, uri: str) -> int:
    """The library's active generation; an alias naming a collection not its is refused."""
    target = alias_target(client, library)
    active = 0 if target is None else generation_of(library, target)
    if active is None:
        raise StoreError(
            f"The alias {active_alias(library)} in {uri} names {target}, "
            "which is not one of this library's collections.",
            "Drop that alias, or use another library name (store.library).",
        )
    return active


def bound_names(
    client: Any, library: str, uri: str, generation: int | None
) -> tuple[int, str, str]:
    """(generation, chunks collection, manifest collection) of one generation of a
    library (default: the active one). Once a library was rebuilt its active chunks are
    reached through the alias, so searches follow a switch made by another store object."""
    rebuilt = alias_target(client, library) is not None
    active = active_generation(client, library, uri)
    bound = active if generation is None else generation
    chunks, files = generation_names(library, bound)
    if rebuilt and bound == active:
        chunks = active_alias(library)
    return bound, chunks, files


def generations(client: Any, library: str) -> list[int]:
    """The library's generations present in the store (chunks collections), in order."""
    found = (generation_of(library, n) for n in client.list_collections())
    return sorted(g for g in found if g is not None)


def activate(client: Any, library: str, generation: int) -> None:
    """Make ``generation`` the active one in one step: the alias is created (a library
    never rebuilt before) or moved."""
    chunks, _ = generation_names(library, generation)
    alias = active_alias(library)
    if alias_target(client, library) is None:
        client.create_alias(chunks, alias)
    else:
        client.alter_alias(chunks, alias)


def drop(client: Any, library: str, generation: int) -> None:
    """Drop one generation's collections: its manifest first, so a crash halfway leaves
    chunks without a manifest, which are never resumed from."""
    chunks, files = generation_names(library, generation)
    for name in (files, chunks):
        if client.has_collection(name):
            client.drop_collection(name)
