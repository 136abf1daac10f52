"""tests/device/gpu_check.sh, the GPU machine's check: what can be checked without a GPU."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tests" / "device" / "gpu_check.sh"


def dry_run(*args: str) -> list[str]:
    done = subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", *args], capture_output=True, text=True, check=True
    )
    return [line[2:] for line in done.stderr.splitlines() if line.startswith("+ ")]


def test_the_script_parses() -> None:
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_it_sets_up_cuda_then_benches_the_automatic_plan_and_the_cpu_in_one_run() -> None:
    commands = dry_run()
    assert commands[0] == "bash .ci/setup --test --gpu cuda"
    benches = commands[1:]
    assert [c.split(" -m ")[1].split()[0] for c in benches] == [
        "tests.bench.bench_generation",
        "tests.bench.bench_ttft",
    ] * 2
    # Same build both times; the CPU leg only hides the GPU from it.
    assert not any("CUDA_VISIBLE_DEVICES" in c for c in benches[:2])
    assert all(c.startswith("CUDA_VISIBLE_DEVICES= ") for c in benches[2:])


def test_cpu_only_skips_setup_and_the_gpu_leg() -> None:
    commands = dry_run("--cpu-only")
    assert len(commands) == 2 and all(c.startswith("CUDA_VISIBLE_DEVICES= ") for c in commands)


def test_an_unknown_option_is_refused() -> None:
    done = subprocess.run(["bash", str(SCRIPT), "--gpu"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown option --gpu" in done.stderr
