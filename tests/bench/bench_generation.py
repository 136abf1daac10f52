"""Generation throughput of the app against llama.cpp's own decode loop, same model, same run.

    python -m tests.bench.bench_generation --model GGUF [--tokens N] [--threads T] [--runs R]

Baseline: ``decode_loop.c`` next to this file, compiled with gcc at run time against the
llama.cpp shared libraries that llama-cpp-python ships (headers from the sdist of the
installed version, downloaded once with pip and kept in ``~/.cache/fathom-bench``, or
``FATHOM_BENCH_CACHE``). Per token it does one ``llama_decode`` and one
``llama_sampler_sample`` of a greedy chain, and nothing else; it never stops at
end-of-generation, so it makes exactly N tokens. Its rate runs from the first sampled token
to the last: (N - 1) / elapsed.

App: ``LlamaCppModel.stream`` with ``GenerationParams(max_tokens=N, temperature=0)``, events
and all, timed in the consumer from the first text event to the end of the stream, with
``Usage.completion_tokens`` as the count: (tokens - 1) / elapsed. The app stops at
end-of-generation, so the prompt asks for a long story; a short answer is flagged.

Both load the same GGUF once with the same context, batch, threads, flash attention and
key/value type (the app's defaults), then run alternately (the order flips every run so
drift hits both), after one warm-up each. The last line printed is ``ratio=<app/baseline>``
of the median rates.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "decode_loop.c"
PROMPT = (
    "Write a long story about a lighthouse keeper who finds a message in a bottle. "
    "Tell it in many chapters, with plenty of detail."
)
KV_TYPES = ("f16", "q8_0", "q4_0")
# llama-cpp-python chat format names whose llama.cpp built-in template is named otherwise.
LLAMA_CPP_TEMPLATES = {"llama-3": "llama3", "mistral-instruct": "mistral-v1"}


class BenchSetupError(RuntimeError):
    """The baseline cannot be built here (no gcc, no headers, no network for the sdist)."""


# --- building the baseline ---------------------------------------------------------------


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "fathom-bench"
    path = Path(os.environ.get("FATHOM_BENCH_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def llama_cpp_version() -> str:
    import llama_cpp

    return str(llama_cpp.__version__)


def llama_lib_dir() -> Path:
    """The folder of libllama.so and the ggml libraries in the llama-cpp-python wheel."""
    import llama_cpp

    lib = Path(llama_cpp.__file__).resolve().parent / "lib"
    if not (lib / "libllama.so").is_file():
        raise BenchSetupError(f"llama-cpp-python ships no libllama.so in {lib}")
    return lib


def headers(cache: Path | None = None) -> Path:
    """A folder holding ``include/llama.h`` and ``ggml/include/*.h`` of the installed
    llama-cpp-python, taken from its sdist (downloaded once with pip, then cached)."""
    version = llama_cpp_version()
    dest = (cache or cache_dir()) / "headers" / f"llama-cpp-python-{version}"
    if (dest / "include" / "llama.h").is_file() and (dest / "ggml" / "include").is_dir():
        return dest
    with tempfile.TemporaryDirectory(dir=dest.parent.parent) as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            "--retries",
            "2",
            "--timeout",
            "30",
            f"llama-cpp-python=={version}",
            "-d",
            tmp,
        ]
        print(f"fetching the llama-cpp-python {version} sdist for llama.h (once)...", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        sdists = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if done.returncode != 0 or not sdists:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise BenchSetupError(
                f"pip could not download the llama-cpp-python {version} sdist: " + " | ".join(tail)
            )
        staged = Path(tmp) / "headers"
        wanted = ("/vendor/llama.cpp/include/", "/vendor/llama.cpp/ggml/include/")
        with tarfile.open(sdists[0]) as tar:
            for member in tar.getmembers():
                name = member.name
                hit = next((w for w in wanted if w in name), None)
                if hit is None or not member.isfile() or not name.endswith(".h"):
                    continue
                rel = name.split("/vendor/llama.cpp/", 1)[1]  # include/... or ggml/include/...
                target = staged / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())
        if not (staged / "include" / "llama.h").is_file():
            raise BenchSetupError(f"the llama-cpp-python {version} sdist holds no llama.h")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(dest, ignore_errors=True)
        staged.rename(dest)
    return dest


def build_decode_loop(cache: Path | None = None) -> Path:
    """Compile decode_loop.c (once per source, llama-cpp-python version and library)."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise BenchSetupError("gcc is not installed")
    cache = cache or cache_dir()
    lib = llama_lib_dir()
    inc = headers(cache)
    key = hashlib.sha256(
        SOURCE.read_bytes()
        + llama_cpp_version().encode()
        + str(lib).encode()
        + str((lib / "libllama.so").stat().st_mtime_ns).encode()
    ).hexdigest()[:16]
    exe = cache / "bin" / f"decode_loop-{key}"
    if exe.is_file():
        return exe
    exe.parent.mkdir(parents=True, exist_ok=True)
    partial = exe.with_name(exe.name + f".{os.getpid()}.partial")
    cmd = [
        gcc,
        "-O2",
        "-std=c11",
        "-D_POSIX_C_SOURCE=199309L",
        "-o",
        str(partial),
        str(SOURCE),
        f"-I{inc / 'include'}",
        f"-I{inc / 'ggml' / 'include'}",
        f"-L{lib}",
        f"-Wl,-rpath,{lib}",
        "-lllama",
        "-lggml",
        "-lggml-base",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"gcc failed ({' '.join(cmd)}):\n{done.stderr}")
    partial.rename(exe)
    return exe


# --- the two sides -----------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    n_ctx: int
    n_batch: int
    threads: int
    flash_attn: bool
    kv_type: str


@dataclass(frozen=True)
class RunResult:
    rate: float  # tokens/s, first token to last
    tokens: int
    prompt_tokens: int
    seconds: float
    note: str = ""


def parse_line(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


class Baseline:
    """decode_loop in --serve mode: the model loaded once, one run per line written."""

    def __init__(
        self,
        exe: Path,
        model: Path,
        n_tokens: int,
        s: Settings,
        prompt: str,
        template: str | None = None,
    ) -> None:
        cmd = [
            str(exe),
            str(model),
            str(n_tokens),
            str(s.threads),
            "--prompt",
            prompt,
            "--chat",
            "--ctx",
            str(s.n_ctx),
            "--batch",
            str(s.n_batch),
            "--threads-batch",
            str(os.cpu_count() or s.threads),  # llama-cpp-python's default for the app
            "--flash-attn",
            str(int(s.flash_attn)),
            "--kv-type",
            s.kv_type,
            "--serve",
        ]
        if template:  # used when the GGUF carries no chat template of its own
            cmd += ["--chat-template", LLAMA_CPP_TEMPLATES.get(template, template)]
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True
        )
        ready = self._read()
        if not ready.startswith("ready"):
            raise RuntimeError(f"decode_loop did not start: {ready!r}")
        self.prompt_tokens = int(parse_line(ready).get("prompt_tokens", "0"))

    def _read(self) -> str:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait(timeout=30)
            self._stderr.seek(0)
            raise RuntimeError(
                f"decode_loop exited ({self._proc.returncode}): {self._stderr.read().strip()}"
            )
        return line.strip()

    def run(self, n_tokens: int) -> RunResult:
        assert self._proc.stdin is not None
        self._proc.stdin.write(f"{n_tokens}\n")
        self._proc.stdin.flush()
        f = parse_line(self._read())
        eog = int(f.get("first_eog", "-1"))
        return RunResult(
            rate=float(f["tok_s"]),
            tokens=int(f["tokens"]),
            prompt_tokens=int(f["prompt_tokens"]),
            seconds=float(f["decode_s"]),
            note=f"end-of-generation sampled at token {eog}, generation went on"
            if eog >= 0
            else "",
        )

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stderr.close()


def app_defaults() -> dict[str, Any]:
    """The app's llama.cpp settings (LlamaOptions' defaults) where it has them."""
    from desktop.core.llm import llama_cpp as backend

    options = getattr(backend, "LlamaOptions", None)
    if options is None or not dataclasses.is_dataclass(options):
        return {}
    return {f.name: f.default for f in dataclasses.fields(options)}


def load_app_model(path: Path, s: Settings) -> Any:
    """A LlamaCppModel with these settings, whether it takes ``options=LlamaOptions(...)``
    or the settings as keywords."""
    from desktop.core.llm import llama_cpp as backend

    wanted: dict[str, Any] = {
        "n_ctx": s.n_ctx,
        "n_threads": s.threads,
        "n_batch": s.n_batch,
        "flash_attn": s.flash_attn,
        "kv_cache_type": s.kv_type,
    }
    model_class: Any = backend.LlamaCppModel
    params = inspect.signature(model_class).parameters
    options: Any = getattr(backend, "LlamaOptions", None)
    if "options" in params and isinstance(options, type) and dataclasses.is_dataclass(options):
        names = {f.name for f in dataclasses.fields(options)}
        opts = options(**{k: v for k, v in wanted.items() if k in names})
        return model_class(path, options=opts)
    return model_class(path, **{k: v for k, v in wanted.items() if k in params})


def app_run(model: Any, prompt: str, n_tokens: int) -> RunResult:
    from desktop.core.llm.base import AnswerText, GenerationParams, Reasoning, TurnEnd, Usage

    params = GenerationParams(max_tokens=n_tokens, temperature=0.0)
    messages = [{"role": "user", "content": prompt}]
    first = end = None
    pieces = 0
    usage: Usage | None = None
    reason = ""
    t0 = time.perf_counter()
    for event in model.stream(messages, params):
        now = time.perf_counter()
        if isinstance(event, AnswerText | Reasoning):
            pieces += 1
            if first is None:
                first = now
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, TurnEnd):
            reason = event.reason
        end = now
    end = time.perf_counter() if end is None else end
    if first is None:
        return RunResult(0.0, 0, 0, end - t0, "no text came out")
    tokens = usage.completion_tokens if usage is not None else pieces
    notes = [] if usage is not None else ["no Usage event: text events counted as tokens"]
    if reason and reason != "length":
        notes.append(f"stopped: {reason}")
    elapsed = end - first
    rate = (tokens - 1) / elapsed if tokens > 1 and elapsed > 0 else 0.0
    prompt_tokens = usage.prompt_tokens if usage is not None else 0
    return RunResult(rate, tokens, prompt_tokens, elapsed, "; ".join(notes))


# --- the report ----------------------------------------------------------------------------


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> None:
    defaults = app_defaults()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1] if __doc__ else None)
    ap.add_argument("--model", required=True, type=Path, help="a .gguf file")
    ap.add_argument("--tokens", type=int, default=256, help="tokens to generate per run")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--ctx", type=int, default=int(defaults.get("n_ctx", 8192)))
    ap.add_argument("--batch", type=int, default=int(defaults.get("n_batch", 512)))
    ap.add_argument("--prompt", default=PROMPT)
    args = ap.parse_args()
    if args.tokens < 2 or args.runs < 1 or args.threads < 1:
        ap.error("--tokens must be at least 2, --runs and --threads at least 1")
    s = Settings(
        n_ctx=args.ctx,
        n_batch=args.batch,
        threads=args.threads,
        flash_attn=bool(defaults.get("flash_attn", False)),
        kv_type=str(defaults.get("kv_cache_type", "f16")),
    )
    if s.kv_type not in KV_TYPES:
        ap.error(f"the app's key/value type {s.kv_type} is not one decode_loop knows")

    try:
        exe = build_decode_loop()
    except BenchSetupError as exc:
        sys.exit(f"cannot build the baseline: {exc}")
    load_before = loadavg()
    model = load_app_model(args.model, s)
    baseline: Baseline | None = None
    try:
        model.wait_loaded()
        fmt = getattr(model, "chat_format", None)  # the app's named format, if it uses one
        baseline = Baseline(
            exe, args.model, args.tokens, s, args.prompt, fmt if isinstance(fmt, str) else None
        )
        baseline.run(args.tokens)  # warm-ups, not counted
        app_run(model, args.prompt, args.tokens)
        base_runs: list[RunResult] = []
        app_runs: list[RunResult] = []
        for i in range(args.runs):
            if i % 2 == 0:
                base_runs.append(baseline.run(args.tokens))
                app_runs.append(app_run(model, args.prompt, args.tokens))
            else:
                app_runs.append(app_run(model, args.prompt, args.tokens))
                base_runs.append(baseline.run(args.tokens))
    finally:
        model.close()
        if baseline is not None:
            baseline.close()

    b = statistics.median(r.rate for r in base_runs)
    a = statistics.median(r.rate for r in app_runs)
    ratio = a / b if b > 0 else float("nan")
    app_tokens = statistics.median(r.tokens for r in app_runs)
    print()
    print(f"model    {args.model.name}")
    print(
        f"settings threads={s.threads} tokens={args.tokens} n_ctx={s.n_ctx} n_batch={s.n_batch} "
        f"flash_attn={s.flash_attn} kv={s.kv_type} runs={args.runs} (+1 warm-up each)"
    )
    print(
        f"prompt   baseline {baseline.prompt_tokens} tokens, app {app_runs[0].prompt_tokens} "
        f"tokens (chat template on both); load average {load_before} -> {loadavg()}"
    )
    print(f"{'run':>5}{'baseline tok/s':>16}{'app tok/s':>12}{'app tokens':>12}{'ratio':>8}")
    for i, (br, ar) in enumerate(zip(base_runs, app_runs, strict=True), 1):
        r = ar.rate / br.rate if br.rate > 0 else float("nan")
        print(f"{i:>5}{br.rate:16.2f}{ar.rate:12.2f}{ar.tokens:12d}{r:8.3f}")
    print(f"{'median':>6}{b:15.2f}{a:12.2f}{app_tokens:12.0f}{ratio:8.3f}")
    print(f"overhead {(1 - ratio) * 100:.1f}% of llama.cpp's decode rate")
    if app_tokens < 0.75 * args.tokens:
        print(
            f"note     the app stopped early ({app_tokens:.0f} of {args.tokens} tokens, at "
            "end-of-generation): rates compared over different lengths"
        )
    for label, runs in (("baseline", base_runs), ("app", app_runs)):
        for note in sorted({r.note for r in runs if r.note}):
            print(f"note     {label}: {note}")
    print(f"ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
