"""The llama.cpp backend: one thread owns the model; callers stream from a queue.

llama.cpp contexts are not thread-safe, and loading a model takes seconds, so a single
long-lived thread loads it and runs every generation; ``stream`` hands it a request and
yields the events it sends back. Cancelling stops generation at the next token.

gpt-oss GGUFs (architecture ``gpt-oss``) are prompted in harmony with special tokens
tokenized as such, and their output is parsed into reasoning, answer and tool calls;
other GGUFs use their own chat template, or a known format for their architecture.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.llm.base import (
    REASONING_RESERVE,
    Capabilities,
    GenerationParams,
    Message,
    ModelEvent,
    Tool,
    Usage,
)
from desktop.core.llm.gguf import is_gpt_oss, read_gguf_metadata
from desktop.core.llm.prompting import (
    FINAL_PREFILL,
    NO_SYSTEM_ROLE,
    HarmonyReader,
    TemplateReader,
    chat_format_for,
    fold_system,
)
from desktop.core.progress import CancelToken

_DONE = object()
log = logging.getLogger("fathom.llama_cpp")
GGML_LOG_ERROR = 4  # ggml's levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation
_LOG_CALLBACK: Any = None  # kept alive: llama.cpp holds a pointer to it


def route_llama_logs() -> None:
    """Send llama.cpp's own log lines to Python logging instead of the terminal.

    Errors stay visible as warnings; everything else (load notes, cache details) is debug.
    """
    global _LOG_CALLBACK
    import llama_cpp

    if _LOG_CALLBACK is not None:
        return

    @llama_cpp.llama_log_callback  # type: ignore[untyped-decorator]
    def forward(level: int, text: bytes, _user: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", errors="replace").rstrip()
        if message:
            error = level == GGML_LOG_ERROR and not _expected(message)
            log.log(logging.WARNING if error else logging.DEBUG, "%s", message)

    _LOG_CALLBACK = forward
    llama_cpp.llama_log_set(forward, ctypes.c_void_p(0))


def gpu_offload_supported() -> bool:
    """Whether this llama.cpp build can offload to a GPU here, asked with its log lines
    routed first: asking starts ggml's backends, and a GPU build that finds no device says
    so on the terminal otherwise. Raises what importing llama_cpp raises."""
    import llama_cpp

    route_llama_logs()
    return bool(llama_cpp.llama_supports_gpu_offload())


def _expected(message: str) -> bool:
    """An error line that says only what Fathom says itself in words: a CUDA build on a
    machine without an NVIDIA driver finds no device (``fathom doctor``, the wizard). With
    a driver, the same line is a real problem (a driver older than the build) and shows."""
    if "failed to initialize CUDA" not in message:
        return False
    from desktop.core.llm.llama_build import Probe, nvidia_driver

    return nvidia_driver(Probe()) is None


@dataclass(frozen=True)
class LlamaOptions:
    """How llama.cpp runs the model; see the llm.* settings."""

    n_ctx: int = 8192
    n_threads: int = 0  # 0: one per core
    n_gpu_layers: int = -1
    flash_attn: bool = False
    kv_cache_type: str = "f16"  # f16, q8_0 or q4_0
    n_batch: int = 512
    cpu_moe_layers: int = 0  # the first N layers keep their experts in system memory


KV_TYPES = {"f16": 1, "q8_0": 8, "q4_0": 2}  # ggml_type ids
EXPERT_TENSORS = r"ffn_(up|down|gate)_exps"
_PATCH_LOCK = threading.Lock()


class _BuftOverride(ctypes.Structure):
    """llama.cpp's llama_model_tensor_buft_override: tensors matching ``pattern`` are
    placed in buffer type ``buft``."""

    _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]


def expert_overrides(n_layers: int, total_layers: int) -> Any:
    """A NULL-terminated override list keeping the experts of the first ``n_layers``
    layers in system memory, as llama.cpp's --n-cpu-moe does."""
    from desktop.core.llm.hardware import ggml_library

    base = ggml_library("libggml-base.so")
    base.ggml_backend_cpu_buffer_type.restype = ctypes.c_void_p
    cpu = base.ggml_backend_cpu_buffer_type()
    if n_layers >= total_layers:
        patterns = [rf"\.{EXPERT_TENSORS}"]
    else:
        patterns = [rf"^blk\.{i}\.{EXPERT_TENSORS}" for i in range(n_layers)]
    items = [_BuftOverride(p.encode(), cpu) for p in patterns] + [_BuftOverride(None, None)]
    return (_BuftOverride * len(items))(*items)


@dataclass
class _Request:
    messages: list[Message]
    params: GenerationParams
    tools: list[Tool]
    cancel: CancelToken
    stop: threading.Event = field(default_factory=threading.Event)  # the consumer went away
    out: queue.Queue[Any] = field(default_factory=queue.Queue)

    def stopped(self) -> bool:
        return self.cancel.cancelled or self.stop.is_set()


def default_threads() -> int:
    return max(1, os.cpu_count() or 1)


def read_model_header(path: Path) -> dict[str, Any]:
    """A chat model's GGUF metadata, or a clear error when the file is missing."""
    if not Path(path).is_file():
        raise ModelError(
            f"The chat model {path} does not exist.",
            "Pass --model PATH to a .gguf file, or run 'fathom models pull'.",
        )
    return read_gguf_metadata(Path(path))


class LlamaCppModel:
    """A GGUF model run by llama.cpp on a thread of its own."""

    def __init__(
        self,
        path: Path,
        options: LlamaOptions | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """``metadata``: the file's header when the caller has read it already (it takes
        a quarter of a second to skip a large vocabulary)."""
        self.path = Path(path)
        self.metadata = read_model_header(self.path) if metadata is None else metadata
        self.harmony = is_gpt_oss(self.metadata)
        self.chat_format = None if self.harmony else chat_format_for(self.metadata)
        self.options = options or LlamaOptions()
        self._llm: Any = None
        self._forget = threading.Event()
        self._chat_formatter: Any = None  # owner thread only
        self.last_prompt_tokens = 0
        self.last_reused_tokens = 0
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._loaded = threading.Event()
        self._load_error: BaseException | None = None
        self.load_fraction = 0.0  # llama.cpp's own loading progress, 0.0 to 1.0
        self._abort_load = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fathom-llm", daemon=True)
        self._thread.start()

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def capabilities(self) -> Capabilities:
        """gpt-oss calls tools and reasons; counts are exact (its own vocabulary)."""
        on_gpu = self.options.n_gpu_layers != 0  # -1: every layer
        return Capabilities(
            tools=self.harmony,
            reasoning=self.harmony,
            exact_token_count=True,
            device="GPU" if on_gpu else "CPU",
        )

    @property
    def context_length(self) -> int:
        return self.options.n_ctx

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in this model's vocabulary (reads the vocabulary only, so it
        is safe beside a running generation)."""
        self.wait_loaded()
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    @property
    def loaded(self) -> bool:
        """Loading has ended (``wait_loaded`` says whether it failed)."""
        return self._loaded.is_set()

    def wait_loaded(self, timeout: float | None = None) -> None:
        """Block until the model is in memory; raise what loading raised."""
        self._loaded.wait(timeout)
        if self._load_error is not None:
            raise ModelError(
                f"llama.cpp could not load {self.path.name}: {self._load_error}",
                "Check that the file is a complete GGUF that this llama.cpp build supports.",
            ) from self._load_error

    def stream(
        self,
        messages: Sequence[Message],
        params: GenerationParams,
        cancel: CancelToken | None = None,
        tools: Sequence[Tool] = (),
    ) -> Iterator[ModelEvent]:
        self.wait_loaded()
        req = _Request(list(messages), params, list(tools), cancel or CancelToken())
        self._requests.put(req)
        try:
            while True:
                item = req.out.get()
                if item is _DONE:
                    return
                if isinstance(item, ModelError):
                    raise item
                if isinstance(item, BaseException):
                    raise ModelError(f"Generation failed: {item}") from item
                yield item
        finally:
            req.stop.set()  # a consumer that stops early stops the generation too

    def forget_cache(self) -> None:
        """Make the next generation decode its whole prompt (for measurements)."""
        self._forget.set()

    def close(self) -> None:
        """Free the model; a load still running is aborted at its next progress step."""
        self._abort_load.set()
        self._requests.put(None)
        self._thread.join(timeout=30)

    # --- the owner thread -------------------------------------------------------------

    def _load(self) -> Any:
        from llama_cpp import Llama

        route_llama_logs()
        o = self.options
        overrides = None
        if o.cpu_moe_layers > 0:
            total = int(
                self.metadata.get(f"{self.metadata.get('general.architecture')}.block_count", 0)
            )
            overrides = expert_overrides(o.cpu_moe_layers, total or o.cpu_moe_layers)
        import llama_cpp.llama_cpp as lc

        def progress(fraction: float, _user_data: Any) -> bool:
            self.load_fraction = float(fraction)
            return not self._abort_load.is_set()  # False makes llama.cpp stop loading

        callback = lc.llama_progress_callback(progress)  # referenced until loading ends
        with _model_params_overrides(overrides, callback):
            return self._construct(Llama)

    def _construct(self, llama_class: Any) -> Any:
        o = self.options
        return llama_class(
            model_path=str(self.path),
            n_ctx=o.n_ctx,
            n_batch=o.n_batch,
            n_threads=o.n_threads or default_threads(),
            n_gpu_layers=o.n_gpu_layers,
            flash_attn=o.flash_attn,
            type_k=KV_TYPES[o.kv_cache_type],
            type_v=KV_TYPES[o.kv_cache_type],
            chat_format=self.chat_format,
            verbose=False,
        )

    def _run(self) -> None:
        from desktop.core.llm.decode import Decoder

        try:
            llm = self._load()
            decoder = Decoder(llm)
            self._llm = llm
        except BaseException as exc:  # reported to whoever waits
            self._load_error = (
                RuntimeError("loading was stopped (the model was closed)")
                if self._abort_load.is_set()
                else exc
            )
            self._loaded.set()
            return
        self._loaded.set()
        while (req := self._requests.get()) is not None:
            try:
                self._generate(llm, decoder, req)
            except BaseException as exc:  # handed to the consumer
                req.out.put(exc)
            finally:
                req.out.put(_DONE)
        llm.close()

    def _prompt(self, llm: Any, decoder: Any, req: _Request) -> tuple[list[int], Any, list[int]]:
        """Prompt tokens, the reader for the output, and extra stop tokens."""
        if self.harmony:
            from desktop.core.llm.harmony import render_prompt

            text = render_prompt(
                req.messages, reasoning_effort=req.params.reasoning_effort, tools=req.tools
            )
            prefill = FINAL_PREFILL if req.params.json_schema else ""
            tokens = decoder.tokenize(text + prefill, add_bos=False, special=True)
            stops = [decoder.token_id(t) for t in ("<|return|>", "<|call|>")]
            return tokens, HarmonyReader(prefill), [t for t in stops if t is not None]
        messages = fold_system(req.messages) if self.chat_format in NO_SYSTEM_ROLE else req.messages
        if self._chat_formatter is None:  # built once: a template compiles on creation
            self._chat_formatter = _formatter(llm, self.chat_format)
        if self._chat_formatter is None:
            raise ModelError(f"llama-cpp-python has no chat format '{self.chat_format}'.")
        result = self._chat_formatter(messages=messages)
        stops = result.stop if isinstance(result.stop, list) else [result.stop or ""]
        tokens = decoder.tokenize(result.prompt, add_bos=not result.added_special, special=True)
        return tokens, TemplateReader(stops), []

    def _generate(self, llm: Any, decoder: Any, req: _Request) -> None:
        from desktop.core.llm.decode import SamplerSettings

        if self._forget.is_set():
            self._forget.clear()
            decoder.reset()
        tokens, reader, stops = self._prompt(llm, decoder, req)
        grammar = None
        if req.params.json_schema is not None:
            from llama_cpp.llama_grammar import json_schema_to_gbnf

            grammar = json_schema_to_gbnf(json.dumps(req.params.json_schema))
        sampler = SamplerSettings(temperature=req.params.temperature, grammar=grammar)
        max_tokens = req.params.max_tokens
        if self.harmony and grammar is None:  # reasoning comes out of the same budget
            max_tokens += REASONING_RESERVE[req.params.reasoning_effort]
        self.last_prompt_tokens = len(tokens)
        out, special = req.out, reader.special_pieces
        count, reason = 0, "length"
        t0 = time.perf_counter()
        for token in decoder.generate(
            tokens,
            max_tokens=max_tokens,
            sampler=sampler,
            stop_tokens=frozenset(stops),
            stopped=req.stopped,
        ):
            count += 1
            for event in reader.feed(decoder.piece(token, special=special)):
                out.put(event)
            if reader.done or decoder.is_end(token):
                reason = "stop"
                break
            if req.stopped():
                reason = "cancelled"
                break
        self.last_reused_tokens = decoder.reused_tokens
        log.debug("generated %d tokens in %.2f s", count, time.perf_counter() - t0)
        for event in reader.close(reason):
            out.put(event)
        out.put(Usage(prompt_tokens=len(tokens), completion_tokens=count))


@contextlib.contextmanager
def _model_params_overrides(overrides: Any, progress: Any = None) -> Iterator[None]:
    """Let the next Llama() load with tensor buffer overrides and a progress callback:
    llama-cpp-python builds its model parameters inside its constructor and exposes
    neither field."""
    if overrides is None and progress is None:
        yield
        return
    import llama_cpp.llama_cpp as lc

    original = lc.llama_model_default_params

    def with_overrides() -> Any:
        params = original()
        if overrides is not None:
            params.tensor_buft_overrides = ctypes.cast(overrides, ctypes.c_void_p)
        if progress is not None:
            params.progress_callback = progress
        return params

    with _PATCH_LOCK:
        lc.llama_model_default_params = with_overrides
        try:
            yield
        finally:
            lc.llama_model_default_params = original


def _formatter(llm: Any, chat_format: str | None) -> Any:
    """llama-cpp-python's prompt formatter: the GGUF's own template, or a named format."""
    from llama_cpp import llama_chat_format as lcf

    if chat_format is None:
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos, bos = llm.token_eos(), llm.token_bos()
        return lcf.Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            stop_token_ids=[eos],
        )
    return getattr(
        lcf, "format_" + chat_format.replace("-", "_").replace("llama_3", "llama3"), None
    )
