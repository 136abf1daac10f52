"""Generation names of a library, and what counts as a change that needs a rebuild."""

from __future__ import annotations

import pytest

from desktop.core.ingest.pipeline import IngestOptions
from desktop.core.ingest.reindex import READING, READING_CHANGES, chunking_of, differences
from desktop.core.store.generations import active_alias, generation_names, generation_of


def test_generation_zero_keeps_the_names_libraries_always_had() -> None:
    assert generation_names("default", 0) == ("fathom_default_chunks", "fathom_default_files")
    assert generation_of("default", "fathom_default_chunks") == 0


@pytest.mark.parametrize("gen", [1, 2, 17, 1024])
def test_names_round_trip(gen: int) -> None:
    chunks, files = generation_names("my_lib", gen)
    assert (chunks, files) == (f"fathom_my_lib_chunks_g{gen}", f"fathom_my_lib_files_g{gen}")
    assert generation_of("my_lib", chunks) == gen


@pytest.mark.parametrize(
    ("library", "name"),
    [
        ("default", "fathom_default_files"),  # a manifest, not chunks
        ("default", "fathom_default_files_g2"),
        ("default", "fathom_default_chunks_g"),
        ("default", "fathom_default_chunks_g01"),
        ("default", "fathom_default_chunks_gx"),
        ("default", "fathom_other_chunks"),
        ("a", "fathom_a_b_chunks"),  # library "a_b", not "a"
        ("a", "fathom_a_b_chunks_g3"),
        ("a_b", "fathom_a_chunks"),
        ("default", "fathom_default_active"),
    ],
)
def test_other_collections_are_not_generations(library: str, name: str) -> None:
    assert generation_of(library, name) is None


def test_names_of_different_libraries_never_meet() -> None:
    libraries = ["a", "a_b", "a_chunks", "a_chunks_g1", "b_active", "x_files"]
    names = [name for lib in libraries for gen in range(4) for name in generation_names(lib, gen)]
    names += [active_alias(lib) for lib in libraries]
    assert len(names) == len(set(names))
    for lib in libraries:
        owned = [n for n in names if generation_of(lib, n) is not None]
        assert owned == [generation_names(lib, g)[0] for g in range(4)]


def test_differences() -> None:
    built = {"model": "m@1", "dim": 384, "source": "/models/m"}
    same = chunking_of(IngestOptions(220, 32))
    assert differences(built, same, "m@1", 384, same) == []
    assert differences(built, same, "m@2", 384, same) == [
        "embedding model m@1 (dimension 384) -> m@2 (dimension 384)"
    ]
    smaller = chunking_of(IngestOptions(96, 16))
    assert differences(built, same, "m@1", 384, smaller) == [
        "220-token chunks, 32 overlap -> 96-token chunks, 16 overlap"
    ]
    # Libraries built before generations did not record their chunking.
    assert differences(built, None, "m@1", 384, same) == [
        "unrecorded chunking -> 220-token chunks, 32 overlap"
    ]
    assert len(differences(built, None, "e5", 768, same)) == 2


def test_a_library_read_before_a_readers_change_is_offered_a_rebuild() -> None:
    """Libraries record how their files were read; one read before a change that is worth
    a rebuild says what changed, and one that recorded no reading was read as 1."""
    built = {"model": "m@1", "dim": 384}
    today = chunking_of(IngestOptions(220, 32))
    assert today["reading"] == READING >= 2
    before = {"chunk_tokens": 220, "chunk_overlap": 32}
    (reason,) = differences(built, before, "m@1", 384, today)
    assert reason.startswith(f"reading 1 -> {READING} (")
    assert READING_CHANGES[2] in reason
    # Chunk sizes that differ say so, once: the rebuild reads the files again anyway.
    assert differences(built, before, "m@1", 384, chunking_of(IngestOptions(96, 16))) == [
        "220-token chunks, 32 overlap -> 96-token chunks, 16 overlap"
    ]
    assert differences(built, today, "m@1", 384, today) == []
