"""Token generation through llama.cpp's C API, with as little Python per token as possible.

``Llama.generate`` in llama-cpp-python samples in Python with numpy and costs about a tenth
of the throughput on small models. Here the prompt is decoded in batches, then each token
is one ``llama_sampler_sample`` (llama.cpp's own sampler chain, grammar included) and one
``llama_decode`` of a reused one-token array. The key/value cache of the previous call is
kept, and the prompt prefix it shares with the next call is not decoded again, so a second
question in a conversation starts sooner.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.errors import ModelError


@dataclass(frozen=True)
class SamplerSettings:
    temperature: float = 0.2
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    seed: int = 0xFA7
    grammar: str | None = None  # GBNF; constrains every sampled token


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Decoder:
    """Drives one llama.cpp context (sequence 0); use it from the model's owner thread."""

    def __init__(self, llm: Any) -> None:
        import llama_cpp

        self._c = llama_cpp
        self._llm = llm
        self._ctx = llm._ctx.ctx
        self._vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        self.n_ctx = int(llama_cpp.llama_n_ctx(self._ctx))
        self._n_batch = int(llm.n_batch)
        self._past: list[int] = []  # tokens whose keys/values are in the cache, in order
        self._one = (llama_cpp.llama_token * 1)()
        self._piece = ctypes.create_string_buffer(256)
        self.reused_tokens = 0  # prompt tokens the last call did not decode again

    def tokenize(self, text: str, *, add_bos: bool, special: bool) -> list[int]:
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=special))

    def token_id(self, text: str) -> int | None:
        """The id of a special token written as text, or None when it is not one token."""
        ids = self.tokenize(text, add_bos=False, special=True)
        return ids[0] if len(ids) == 1 else None

    def piece(self, token: int, *, special: bool) -> bytes:
        n = self._c.llama_token_to_piece(self._vocab, token, self._piece, 256, 0, special)
        if n < 0:  # longer than the buffer
            buf = ctypes.create_string_buffer(-n)
            n = self._c.llama_token_to_piece(self._vocab, token, buf, -n, 0, special)
            return buf.raw[:n]
        return self._piece.raw[:n]

    def is_end(self, token: int) -> bool:
        return bool(self._c.llama_vocab_is_eog(self._vocab, token))

    def _sampler(self, s: SamplerSettings) -> Any:
        c = self._c
        chain = c.llama_sampler_chain_init(c.llama_sampler_chain_default_params())
        if s.grammar:
            grammar = c.llama_sampler_init_grammar(self._vocab, s.grammar.encode(), b"root")
            if not grammar:
                c.llama_sampler_free(chain)
                raise ModelError("The output schema could not be turned into a grammar.")
            c.llama_sampler_chain_add(chain, grammar)
        if s.temperature <= 0:
            c.llama_sampler_chain_add(chain, c.llama_sampler_init_greedy())
            return chain
        c.llama_sampler_chain_add(chain, c.llama_sampler_init_top_k(s.top_k))
        c.llama_sampler_chain_add(chain, c.llama_sampler_init_top_p(s.top_p, 1))
        c.llama_sampler_chain_add(chain, c.llama_sampler_init_min_p(s.min_p, 1))
        c.llama_sampler_chain_add(chain, c.llama_sampler_init_temp(s.temperature))
        c.llama_sampler_chain_add(chain, c.llama_sampler_init_dist(s.seed))
        return chain

    def _decode(self, tokens: Sequence[int]) -> None:
        c = self._c
        for start in range(0, len(tokens), self._n_batch):
            part = tokens[start : start + self._n_batch]
            arr = (c.llama_token * len(part))(*part)
            rc = c.llama_decode(self._ctx, c.llama_batch_get_one(arr, len(part)))
            if rc != 0:
                self.reset()
                raise ModelError(f"llama.cpp could not decode the prompt (code {rc}).")
            self._past.extend(part)

    def reset(self) -> None:
        self._c.llama_memory_clear(self._c.llama_get_memory(self._ctx), True)
        self._past = []

    def _prefill(self, prompt: Sequence[int]) -> None:
        """Bring the cache to ``prompt``, decoding only what differs from the last call."""
        keep = common_prefix(self._past, prompt)
        if keep == len(prompt):
            keep -= 1  # the last prompt token must be decoded again for fresh logits
        mem = self._c.llama_get_memory(self._ctx)
        if keep <= 0 or not self._c.llama_memory_seq_rm(mem, 0, keep, -1):
            self.reset()
            keep = 0
        del self._past[keep:]
        self.reused_tokens = keep
        self._decode(prompt[keep:])

    def generate(
        self,
        prompt: Sequence[int],
        *,
        max_tokens: int,
        sampler: SamplerSettings,
        stop_tokens: frozenset[int] = frozenset(),
        stopped: Callable[[], bool] = lambda: False,
    ) -> Iterator[int]:
        """Yield sampled tokens; a final end-of-generation or stop token is yielded too."""
        if len(prompt) >= self.n_ctx:
            raise ModelError(
                f"The prompt needs {len(prompt)} tokens but the context holds {self.n_ctx}.",
                "Ask for fewer sources (--top-k) or raise llm.n_ctx.",
            )
        max_tokens = min(max_tokens, self.n_ctx - len(prompt))
        self._prefill(prompt)
        c, ctx, one = self._c, self._ctx, self._one
        chain = self._sampler(sampler)
        try:
            batch = c.llama_batch_get_one(one, 1)
            for _ in range(max_tokens):
                token = c.llama_sampler_sample(chain, ctx, -1)
                yield token
                if token in stop_tokens or c.llama_vocab_is_eog(self._vocab, token) or stopped():
                    return
                one[0] = token
                if c.llama_decode(ctx, batch) != 0:
                    self.reset()
                    raise ModelError("llama.cpp failed while generating (the context may be full).")
                self._past.append(token)
        finally:
            c.llama_sampler_free(chain)
