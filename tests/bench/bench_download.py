"""Download throughput of Fathom's verified downloader against huggingface-hub's own.

    python -m tests.bench.bench_download [--mb N] [--runs R]

Both fetch the same N MB file from ``tests/hub_server.py`` on 127.0.0.1 (plain HTTP, as
the hub serves LFS files without Xet), in the same process, alternating (the order flips
every run), after one warm-up each:

- app: ``desktop.core.modelhub.download.download`` (Range-capable stream into a ``.part``
  file, SHA-256 computed while writing and checked before the move into place);
- baseline: ``huggingface_hub.hf_hub_download(..., local_dir=...)`` (its HTTP path: 10 MiB
  chunks into an ``.incomplete`` file, size checked, no SHA-256).

Loopback is far faster than any real network, so this measures the cost per byte of each
client (hashing included), the upper bound on what the downloader can sustain. The last
line printed is ``ratio=<app/baseline>`` of the median rates.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.hub_server import HubServer

REPO, FILE = "bench/blob", "blob.gguf"


def _point_hub(url: str) -> None:
    os.environ.update(HF_ENDPOINT=url, HF_HUB_OFFLINE="0", HF_HUB_DISABLE_PROGRESS_BARS="1")
    import huggingface_hub.constants as constants

    constants.HF_HUB_OFFLINE = False
    constants.ENDPOINT = url
    constants.HUGGINGFACE_CO_URL_TEMPLATE = url + "/{repo_id}/resolve/{revision}/{filename}"


def _app(dest: Path) -> Path:
    from desktop.core.modelhub.download import DownloadDone, download

    for event in download(REPO, FILE, dest):
        if isinstance(event, DownloadDone):
            return event.path
    raise RuntimeError("no file")


def _baseline(dest: Path) -> Path:
    import huggingface_hub

    return Path(huggingface_hub.hf_hub_download(REPO, FILE, local_dir=dest))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256, help="file size in MB (default 256)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = args.mb * 1_000_000
    work = Path(tempfile.mkdtemp(prefix="fathom-bench-download-"))
    try:
        blob = work / "source.bin"
        with blob.open("wb") as f:
            rng = random.Random(1)
            for _ in range(args.mb):
                f.write(rng.randbytes(1_000_000))
        rates: dict[str, list[float]] = {"app": [], "baseline": []}
        clients = {"app": _app, "baseline": _baseline}
        with HubServer({REPO: {FILE: blob}}) as hub:
            _point_hub(hub.url)
            for run in range(args.runs + 1):
                order = ["app", "baseline"] if run % 2 == 0 else ["baseline", "app"]
                for name in order:
                    dest = work / f"{name}-{run}"
                    start = time.perf_counter()
                    path = clients[name](dest)
                    elapsed = time.perf_counter() - start
                    assert path.stat().st_size == size
                    shutil.rmtree(dest)
                    if run:  # run 0 warms up
                        rates[name].append(size / elapsed / 1e6)
        print(f"file: {args.mb} MB from a local hub, {args.runs} runs each (after a warm-up)")
        print(f"{'client':<10} {'median MB/s':>12} {'runs MB/s':>30}")
        for name, values in rates.items():
            runs = ", ".join(f"{v:.0f}" for v in values)
            print(f"{name:<10} {statistics.median(values):>12.0f} {runs:>30}")
        ratio = statistics.median(rates["app"]) / statistics.median(rates["baseline"])
        print(f"ratio={ratio:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
