"""What the store's first insert and search cost the process that runs them. A GUI process
shares one GIL between its window and its workers, so a heavy lazy import inside the first
search freezes the window (tests/bench/bench_ui.py measured ~180 ms for pymilvus' scipy
probe). Run in a fresh interpreter: other tests may have imported scipy already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys
from desktop.core.types import Chunk
from desktop.core.store.base import FileRecord
from desktop.core.store.milvus import MilvusStore

store = MilvusStore(sys.argv[1])
store.warm_up()  # no library yet: nothing to search, and no error
before = "scipy" in sys.modules
store.prepare("test-model", 4, "")
chunks = [
    Chunk("Milvus builds an index per segment.", "/docs/a.md", 0, 0, 35),
    Chunk("A collection holds vectors and scalar fields.", "/docs/a.md", 1, 36, 80),
]
store.replace_file(FileRecord("/docs/a.md", "h", 80, 0), chunks, [[1, 0, 0, 0], [0, 1, 0, 0]])
store.flush()
store.warm_up()
hits = store.search([0.0, 1.0, 0.0, 0.0], "collection vectors", 2)
print(json.dumps({
    "scipy_before": before,
    "scipy_after": "scipy" in sys.modules,
    "first": hits[0].text,
}))
store.close()
"""


def test_first_insert_and_search_do_not_import_scipy(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "store.db")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["first"] == "A collection holds vectors and scalar fields."
    assert result == {
        "scipy_before": False,
        "scipy_after": False,
        "first": "A collection holds vectors and scalar fields.",
    }
