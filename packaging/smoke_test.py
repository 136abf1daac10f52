#!/usr/bin/env python3
"""Smoke-test the frozen Fathom in a clean environment, and time its launch against source.

    python3 packaging/smoke_test.py --model GEMMA.gguf --embedding MINILM_ONNX_DIR

(any Python 3.11+; only the standard library). Every run of the frozen binary gets an empty
environment but for ``PATH=/usr/bin:/bin``, ``HOME=<a fresh temporary folder>`` and
``QT_QPA_PLATFORM=offscreen``, and starts in that folder: no project venv, no checkout on
any path. It runs ``fathom --version``, ``fathom --help``, ``fathom doctor --json`` and
``fathom self-test --model ... --embedding ... --json``, and checks exit codes, outputs,
and that no stderr line contains "Traceback", "Error" or "error".

It also prints the bundle's size, the archive's and the .deb's (when built), and the time
from launch to the window shown, frozen versus ``.venv/bin/python -m desktop`` (same clean
environment, same machine, alternating runs; the median of ``--runs`` window-only
launches, plus the launch inside each full self-test).

Known harmless stderr lines are not filtered: none of them contains "error". They are,
with the offscreen platform: Qt's "This plugin does not support propagateSizeHints()",
and with no LANG set: Qt's notice that it switched the "C" locale to "C.UTF-8".

Exit code 0 when every check passed; 1 otherwise, with each failure listed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BAD_STDERR = re.compile(r"Traceback|Error|error")


@dataclass
class Results:
    failures: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    frozen: dict[str, Any] = field(default_factory=dict)  # the frozen self-test's report
    source: dict[str, Any] = field(default_factory=dict)
    launch_ms: dict[str, list[float]] = field(default_factory=dict)
    commands: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.failures,
            "failures": self.failures,
            "sizes": self.sizes,
            "frozen_self_test": self.frozen,
            "source_self_test": self.source,
            "launch_to_window_ms": self.launch_ms,
            "launch_to_window_median_ms": {
                k: round(statistics.median(v), 1) for k, v in self.launch_ms.items() if v
            },
            "commands": self.commands,
        }


def tree_bytes(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed), as ``du -sb`` counts them."""
    total = 0
    for root, dirs, files in os.walk(path):
        for name in [*files, *dirs]:
            total += os.lstat(os.path.join(root, name)).st_size
    return total


def mb(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


def clean_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}


def run(
    res: Results,
    label: str,
    cmd: list[str],
    home: Path,
    *,
    timeout: float,
    expect_rc: int = 0,
) -> subprocess.CompletedProcess[str] | None:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            env=clean_env(home),
            cwd=home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        res.failures.append(f"{label}: did not run: {exc}")
        return None
    seconds = time.perf_counter() - t0
    bad = [line for line in proc.stderr.splitlines() if BAD_STDERR.search(line)]
    res.commands.append(
        {"label": label, "rc": proc.returncode, "seconds": round(seconds, 2), "bad_stderr": bad}
    )
    if proc.returncode != expect_rc:
        tail = "\n    ".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        res.failures.append(f"{label}: exit code {proc.returncode}\n    {tail}")
    if bad:
        res.failures.append(f"{label}: error lines on stderr:\n    " + "\n    ".join(bad[:10]))
    return proc


def self_test_report(
    res: Results, label: str, proc: subprocess.CompletedProcess[str] | None
) -> dict[str, Any]:
    if proc is None:
        return {}
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res.failures.append(f"{label}: no JSON report on stdout: {proc.stdout[-300:]!r}")
        return {}
    if not isinstance(report, dict):
        res.failures.append(f"{label}: the report is not a JSON object")
        return {}
    if report.get("failed"):
        res.failures.append(f"{label}: self-test failed at {report['failed']}")
    return report


def smoke(args: argparse.Namespace) -> Results:
    res = Results()
    bundle = args.bundle.resolve()
    exe = bundle / "fathom"
    if not exe.is_file():
        res.failures.append(f"no frozen app at {exe}: run bash packaging/build_linux.sh")
        return res
    res.sizes["bundle_bytes"] = tree_bytes(bundle)
    # The archive and the .deb (fathom_… or fathom-cuda_…), when built from this bundle
    # (not older than it).
    built = exe.stat().st_mtime
    for key, pattern in (("archive_bytes", "fathom-*.tar.gz"), ("deb_bytes", "fathom*_*.deb")):
        found = [p for p in bundle.parent.glob(pattern) if p.stat().st_mtime >= built]
        if found:
            res.sizes[key] = max(found, key=lambda p: p.stat().st_mtime).stat().st_size

    models = ["--model", str(args.model.resolve()), "--embedding", str(args.embedding.resolve())]
    with tempfile.TemporaryDirectory(prefix="fathom-smoke-") as tmp:
        home = Path(tmp)

        proc = run(res, "fathom --version", [str(exe), "--version"], home, timeout=60)
        if proc and not proc.stdout.startswith("Fathom "):
            res.failures.append(f"fathom --version printed {proc.stdout!r}")

        proc = run(res, "fathom --help", [str(exe), "--help"], home, timeout=60)
        for command in ("ingest", "ask", "doctor", "models", "self-test"):
            if proc and command not in proc.stdout:
                res.failures.append(f"fathom --help does not list {command}")

        proc = run(res, "fathom doctor --json", [str(exe), "doctor", "--json"], home, timeout=120)
        if proc and proc.returncode == 0:
            try:
                packages = json.loads(proc.stdout)["packages"]
                missing = [p for p, v in packages.items() if v == "not installed"]
                if missing:
                    res.failures.append(f"fathom doctor: no metadata for {', '.join(missing)}")
            except (ValueError, KeyError, TypeError) as exc:
                res.failures.append(f"fathom doctor --json: unreadable output ({exc})")

        cmd = [str(exe), "self-test", *models, "--json"]
        res.frozen = self_test_report(
            res, "fathom self-test", run(res, "fathom self-test", cmd, home, timeout=600)
        )

        if args.source_python is not None:
            src = [str(args.source_python), "-m", "desktop"]
            proc = run(
                res, "source self-test", [*src, "self-test", *models, "--json"], home, timeout=600
            )
            res.source = self_test_report(res, "source self-test", proc)

        # Launch to window shown: alternate frozen and source, window-only runs.
        variants = {"frozen": [str(exe)]}
        if args.source_python is not None:
            variants["source"] = [str(args.source_python), "-m", "desktop"]
        res.launch_ms = {name: [] for name in variants}
        for report, name in ((res.frozen, "frozen"), (res.source, "source")):
            if report.get("window_ms") is not None:
                res.launch_ms[name].append(float(report["window_ms"]))
        for _ in range(args.runs):
            for name, prefix in variants.items():
                cmd = [*prefix, "self-test", "--window-only", "--json"]
                label = f"{name} self-test --window-only"
                report = self_test_report(res, label, run(res, label, cmd, home, timeout=120))
                if report.get("window_ms") is not None:
                    res.launch_ms[name].append(float(report["window_ms"]))
    return res


def print_summary(res: Results) -> None:
    print("Fathom frozen-app smoke test")
    for c in res.commands:
        status = "ok" if c["rc"] == 0 and not c["bad_stderr"] else f"rc={c['rc']}"
        print(f"  {c['label']:<38} {status:<6} {c['seconds']:6.1f} s")
    sizes = res.sizes
    if sizes:
        parts = [f"bundle {mb(sizes['bundle_bytes'])}"]
        if "archive_bytes" in sizes:
            parts.append(f"archive {mb(sizes['archive_bytes'])}")
        if "deb_bytes" in sizes:
            parts.append(f".deb {mb(sizes['deb_bytes'])}")
        print("  sizes: " + ", ".join(parts))
    for name, values in res.launch_ms.items():
        if values:
            shown = ", ".join(f"{v:.0f}" for v in values)
            median = statistics.median(values)
            print(f"  launch to window, {name:<6}: median {median:.0f} ms ({shown})")
    if res.frozen:
        f = res.frozen
        print(
            f"  frozen self-test: {f.get('files')} files, {f.get('chunks')} chunks, "
            f"top source {f.get('top_source')}, {f.get('answer_tokens')} answer tokens, "
            f"{f.get('total_s')} s"
        )
    if res.failures:
        print("FAILED:")
        for failure in res.failures:
            print(f"  - {failure}")
    else:
        print("all checks passed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="chat model GGUF")
    parser.add_argument("--embedding", type=Path, required=True, help="ONNX embedding folder")
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "fathom")
    parser.add_argument(
        "--source-python",
        type=Path,
        default=REPO / ".venv" / "bin" / "python",
        help="Python that runs Fathom from source, for the comparison ('' to skip)",
    )
    parser.add_argument("--runs", type=int, default=3, help="window-only launches of each")
    parser.add_argument("--json-out", type=Path, help="also write the results here as JSON")
    args = parser.parse_args()
    if args.source_python is not None and str(args.source_python) in ("", "."):
        args.source_python = None
    elif args.source_python is not None:
        args.source_python = args.source_python.absolute()
    res = smoke(args)
    print_summary(res)
    if args.json_out:
        args.json_out.write_text(json.dumps(res.to_json(), indent=2), encoding="utf-8")
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
