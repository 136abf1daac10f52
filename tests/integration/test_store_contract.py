"""The store contract: what ingestion, rebuilds, retrieval and the tool loop rely on of a
``Store``, run the same way on Milvus Lite (a folder on disk), on a Milvus gRPC server
(``milvus-lite server``) and on the in-memory fake that unit tests use
(tests/fake_store.py), so the fake cannot drift from the real store."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop.core.errors import EmbeddingMismatchError, StoreError
from desktop.core.store.base import FileRecord, Store
from desktop.core.store.milvus import MilvusStore
from desktop.core.store.schema import SCHEMA
from desktop.core.types import Chunk
from tests.fake_store import FakeMilvus, FakeStore
from tests.milvus_server import MilvusServer

Opener = Callable[..., Store]
MODEL, DIM = "contract-model", 4


@pytest.fixture(params=["lite", "server", "fake"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens a store on one place, again and again (a reopen sees what was written)."""
    opened: list[Store] = []
    if request.param == "lite":
        uri = str(tmp_path / "contract.db")

        def make(library: str = "default") -> Store:
            return MilvusStore(uri, library=library)

    elif request.param == "server":
        server: MilvusServer = request.getfixturevalue("milvus_server")
        if not server.running:
            server.start()
        server.drop_all()

        def make(library: str = "default") -> Store:
            return MilvusStore(server.uri, library=library)

    else:
        where = FakeMilvus()

        def make(library: str = "default") -> Store:
            return FakeStore(where, library=library)

    def opener(library: str = "default") -> Store:
        store = make(library)
        opened.append(store)
        return store

    yield opener
    for store in reversed(opened):
        store.close()


def _unit(*xs: float) -> list[float]:
    n = math.sqrt(sum(x * x for x in xs))
    return [x / n for x in xs]


EAST, NORTH, WEST, SOUTH = (
    _unit(1, 0, 0, 0),
    _unit(0, 1, 0, 0),
    _unit(0, 0, 1, 0),
    _unit(0, 0, 0, 1),
)


def _file(
    store: Store, path: Path, texts: list[str], vectors: list[list[float]], *, step: int = 100
) -> FileRecord:
    """Store a file of chunks ``texts`` (each ``step`` characters on from the last)."""
    chunks = [
        Chunk(t, str(path), i, i * step, i * step + len(t), heading=f"{path.stem} part {i}")
        for i, t in enumerate(texts)
    ]
    record = FileRecord(str(path), f"hash-{path.name}", 1000, 0, 7)
    store.replace_file(record, chunks, vectors)
    return record


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """Real folders and files: ``within`` resolves paths and tells folders from files."""
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    for name in ("indexes.md", "storage.md", "sub/etcd.md"):
        (root / name).write_text(name)
    return root


def _library(store: Store, docs: Path) -> None:
    store.prepare(MODEL, DIM, "src/contract", chunking={"chunk_tokens": 128, "chunk_overlap": 16})
    texts = ["Milvus builds an index on every segment.", "An IVF index clusters the vectors."]
    _file(store, docs / "indexes.md", texts, [EAST, _unit(1, 1, 0, 0)])
    storage = ["Inserted rows are written to object storage as binlogs."]
    _file(store, docs / "storage.md", storage, [NORTH])
    _file(store, docs / "sub" / "etcd.md", ["Metadata lives in etcd, a key-value store."], [WEST])
    store.flush()


def test_a_new_store_is_empty_and_says_so(open_store: Opener) -> None:
    store = open_store()
    assert store.embedding_info() is None
    assert store.chunking_info() is None
    assert store.count() == 0 and store.files() == {} and store.chunk_ids() == []
    assert store.generations() == [] and store.active_generation() == 0
    with pytest.raises(StoreError, match="holds no documents yet"):
        store.open_existing()
    # Reading chunks needs a library: before the first prepare there is none.
    with pytest.raises(StoreError):
        store.search(EAST, "index", 3)
    with pytest.raises(StoreError):
        store.document_text("/nowhere.md", 5)


def test_prepare_records_the_model_and_refuses_another(open_store: Opener) -> None:
    store = open_store()
    store.prepare(MODEL, DIM, "src/contract", chunking={"chunk_tokens": 128, "chunk_overlap": 16})
    assert store.embedding_info() == {"model": MODEL, "dim": DIM, "source": "src/contract"}
    assert store.chunking_info() == {"chunk_tokens": 128, "chunk_overlap": 16}
    assert store.schema == SCHEMA and store.generation == 0 and store.has_manifest()
    store.prepare(MODEL, DIM)  # the same model again: fine
    with pytest.raises(EmbeddingMismatchError, match="not other-model"):
        store.prepare("other-model", DIM)
    with pytest.raises(EmbeddingMismatchError):
        store.prepare(MODEL, DIM + 1)
    assert open_store().open_existing()["model"] == MODEL  # another store on the same place
    assert open_store("another").embedding_info() is None  # libraries stay apart


def test_replace_writes_the_chunks_then_the_record(open_store: Opener, docs: Path) -> None:
    store = open_store()
    _library(store, docs)
    files = store.files()
    assert sorted(files) == sorted(
        str(docs / n) for n in ("indexes.md", "storage.md", "sub/etcd.md")
    )
    indexes = files[str(docs / "indexes.md")]
    assert (indexes.hash, indexes.size, indexes.chunks, indexes.mtime_ns) == (
        "hash-indexes.md",
        1000,
        2,
        7,
    )
    assert store.count() == 4 and len(set(store.chunk_ids())) == 4
    _file(store, docs / "indexes.md", ["Only one chunk now."], [SOUTH])  # replaced, not added
    assert store.count() == 3 and store.files()[str(docs / "indexes.md")].chunks == 1
    store.flush()
    hits = store.search(SOUTH, "", 1, mode="dense")
    assert hits[0].text == "Only one chunk now." and hits[0].path == str(docs / "indexes.md")
    assert hits[0].heading == "indexes part 0" and (hits[0].start, hits[0].end) == (0, 19)


def test_remove_move_touch_and_retain(open_store: Opener, docs: Path) -> None:
    store = open_store()
    _library(store, docs)
    store.remove_file(str(docs / "storage.md"))
    assert str(docs / "storage.md") not in store.files() and store.count() == 3
    store.remove_file(str(docs / "never-stored.md"))  # nothing to forget: no error

    moved = docs / "sub" / "indexes-moved.md"
    assert store.move_file(str(docs / "indexes.md"), str(moved), 99)
    assert not store.move_file(str(docs / "unknown.md"), str(docs / "x.md"))
    files = store.files()
    assert str(docs / "indexes.md") not in files
    assert (files[str(moved)].hash, files[str(moved)].chunks, files[str(moved)].mtime_ns) == (
        "hash-indexes.md",
        2,
        99,
    )
    store.flush()
    assert store.count() == 3
    top = store.search(EAST, "", 1, mode="dense")[0]
    assert top.path == str(moved) and top.text == "Milvus builds an index on every segment."
    assert store.search(EAST, "segment", 1, mode="bm25")[0].path == str(moved)  # terms kept

    store.touch_file(FileRecord(str(moved), "hash-indexes.md", 1000, 2, 12345))
    assert store.files()[str(moved)].mtime_ns == 12345 and store.count() == 3

    assert store.retain_files([str(moved)]) == 1  # etcd.md went
    assert list(store.files()) == [str(moved)] and store.count() == 2
    assert store.retain_files([]) == 1
    assert store.files() == {} and store.count() == 0


def test_document_text_joins_the_chunks_without_their_overlap(
    open_store: Opener, docs: Path
) -> None:
    store = open_store()
    store.prepare(MODEL, DIM)
    path = docs / "storage.md"
    chunks = [Chunk("abcdefghij", str(path), 0, 0, 10), Chunk("ghijklmnop", str(path), 1, 6, 16)]
    store.replace_file(FileRecord(str(path), "h", 16, 0), chunks, [EAST, NORTH])
    store.flush()
    assert store.document_text(str(path), 2) == "abcdefghijklmnop"
    assert store.document_text(str(path), 1) is None  # more chunks than asked for
    assert store.document_text(str(docs / "indexes.md"), 5) is None


def test_dense_bm25_and_hybrid_put_the_matching_chunk_first(open_store: Opener, docs: Path) -> None:
    store = open_store()
    _library(store, docs)
    dense = store.search(NORTH, "", 3, mode="dense")
    assert dense[0].path == str(docs / "storage.md") and len(dense) == 3
    assert dense[0].score > dense[1].score >= dense[2].score

    bm25 = store.search(NORTH, "Where is the metadata kept, etcd?", 3, mode="bm25")
    assert bm25[0].path == str(docs / "sub" / "etcd.md")
    assert all("etcd" in h.text.lower() or "metadata" in h.text.lower() for h in bm25)
    assert store.search(NORTH, "what is the", 3, mode="bm25") == []  # only stop words
    # Stemmed terms meet: "indexes" and "clustered" find "index" and "clusters".
    assert store.search(NORTH, "clustered indexes", 1, mode="bm25")[0].text.startswith("An IVF")

    # Both lists hold both index chunks; the one each ranks first is first.
    hybrid = store.search(_unit(1, 0, 0.2, 0), "index segments", 2)
    assert hybrid[0].text == "Milvus builds an index on every segment."
    assert len(hybrid) == 2 and len({h.id for h in hybrid}) == 2
    assert len(store.search(EAST, "index", 10)) == 4  # no more than there are


def test_within_limits_a_search_to_files_and_folders(open_store: Opener, docs: Path) -> None:
    store = open_store()
    _library(store, docs)
    sub = store.search(EAST, "index storage etcd", 5, within=[str(docs / "sub")])
    assert {h.path for h in sub} == {str(docs / "sub" / "etcd.md")}
    one = store.search(WEST, "etcd", 5, mode="dense", within=[str(docs / "storage.md")])
    assert {h.path for h in one} == {str(docs / "storage.md")}
    both = store.search(EAST, "etcd", 5, mode="bm25", within=[str(docs / "sub"), str(docs)])
    assert [h.path for h in both] == [str(docs / "sub" / "etcd.md")]


def test_a_rebuild_is_built_beside_the_active_generation_then_switched(
    open_store: Opener, docs: Path
) -> None:
    store = open_store()
    _library(store, docs)
    new = store.at_generation(1)
    assert new.generation == 1 and new.embedding_info() is None and not new.has_manifest()
    new.prepare("model-2", 2, chunking={"chunk_tokens": 64, "chunk_overlap": 8}, building=True)
    _file(new, docs / "storage.md", ["Rebuilt: rows go to object storage."], [[0.0, 1.0]])
    new.flush()
    assert store.generations() == [0, 1]
    # Until the switch, the library answers from generation 0.
    assert store.count() == 4 and store.embedding_info() == {
        "model": MODEL,
        "dim": DIM,
        "source": "src/contract",
    }
    assert store.search(NORTH, "object storage", 1)[0].text.startswith("Inserted rows")
    with pytest.raises(StoreError, match="active one"):
        store.drop_generation(0)

    new.mark_complete()
    new.activate()
    assert store.active_generation() == 1
    store.bind()
    assert store.generation == 1 and store.count() == 1
    assert store.chunking_info() == {"chunk_tokens": 64, "chunk_overlap": 8}
    store.drop_generation(0)
    assert store.generations() == [1]
    with pytest.raises(StoreError, match="active one"):
        store.drop_generation(1)

    again = open_store()  # a store opened now binds the active generation
    assert again.generation == 1 and again.embedding_info() == {
        "model": "model-2",
        "dim": 2,
        "source": "",
    }
    assert list(again.files()) == [str(docs / "storage.md")]

    # A second rebuild, switched by another store object: ``again`` follows the switch.
    third = store.at_generation(2)
    third.prepare("model-3", 2, building=True)
    _file(third, docs / "indexes.md", ["Third: index", "Third: more"], [[1.0, 0.0], [0.0, 1.0]])
    third.flush()
    third.mark_complete()
    third.activate()
    assert again.count() == 2 and again.embedding_info() == {
        "model": "model-3",
        "dim": 2,
        "source": "",
    }
    assert again.search([1.0, 0.0], "index", 1)[0].text == "Third: index"


def test_what_was_written_is_there_after_reopening(open_store: Opener, docs: Path) -> None:
    store = open_store()
    _library(store, docs)
    store.close()
    reopened = open_store()
    assert reopened.open_existing()["model"] == MODEL
    assert reopened.count() == 4 and len(reopened.files()) == 3
    assert reopened.search(WEST, "etcd", 1)[0].path == str(docs / "sub" / "etcd.md")


@pytest.mark.parametrize("layout", [SCHEMA, "2"])
def test_a_chunk_keeps_its_last_page_and_kind_in_the_layouts_that_have_them(
    open_store: Opener, docs: Path, layout: str
) -> None:
    """A passage that runs on over a page break comes back with both pages, a contents page
    with its kind; a library in a layout before them still takes such chunks, and answers
    with its first page as its last and every chunk a passage."""
    store = open_store()
    store.prepare(MODEL, DIM, layout=layout)
    path = str(docs / "indexes.md")
    chunks = [
        Chunk("Indexes are built per segment, and", path, 0, 0, 34, "Index", 3, page_end=4),
        Chunk("Index . . . . . 3", path, 1, 40, 57, "", 1, page_end=1, kind="contents"),
    ]
    store.replace_file(FileRecord(path, "h", 1, 0), chunks, [EAST, NORTH])
    store.flush()
    assert store.schema == layout
    spans = {(h.page, h.page_end, h.kind) for h in store.search(EAST, "index", 2, "dense")}
    if layout == SCHEMA:
        assert spans == {(3, 4, ""), (1, 1, "contents")}
    else:
        assert spans == {(3, 3, ""), (1, 1, "")}
