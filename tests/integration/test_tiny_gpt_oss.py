"""The gpt-oss code paths with a tiny random-weight gpt-oss GGUF (tests/tiny_gpt_oss.py).

The weights are random, so the output is gibberish and the harmony it writes is malformed;
what is checked is that llama.cpp takes the file as gpt-oss, that the harmony tokens are
single special tokens, and that Fathom's harmony path streams it to the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core.llm.base import GenerationParams, TurnEnd, Usage
from desktop.core.llm.gguf import is_gpt_oss, read_gguf_metadata
from desktop.core.llm.llama_cpp import LlamaCppModel, LlamaOptions
from tests import tiny_gpt_oss as tiny

HARMONY = ["<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>"]
ENDS = ["<|return|>", "<|call|>", "<|endoftext|>"]
SPECIALS = [*HARMONY, *ENDS, "<|startoftext|>"]
GREEDY = GenerationParams(max_tokens=16, temperature=0.0, reasoning_effort="low")


@pytest.fixture(scope="module")
def llm(tiny_gpt_oss: Path) -> Iterator[Any]:
    from llama_cpp import Llama

    model = Llama(model_path=str(tiny_gpt_oss), n_ctx=512, n_threads=1, verbose=False)
    yield model
    model.close()


def test_the_file_is_small_and_says_gpt_oss(tiny_gpt_oss: Path) -> None:
    assert tiny_gpt_oss.stat().st_size < 5 * 1024 * 1024
    meta = read_gguf_metadata(tiny_gpt_oss)
    assert meta["general.architecture"] == "gpt-oss" and is_gpt_oss(meta)
    assert meta["gpt-oss.block_count"] == tiny.N_LAYER
    assert meta["gpt-oss.expert_count"] == tiny.N_EXPERT
    assert meta["gpt-oss.expert_used_count"] == tiny.N_EXPERT_USED
    assert meta["gpt-oss.attention.sliding_window"] == tiny.SLIDING_WINDOW
    assert meta["tokenizer.ggml.model"] == "gpt2" and meta["tokenizer.ggml.pre"] == "gpt-4o"


def test_the_build_is_deterministic(tmp_path: Path, tiny_gpt_oss: Path) -> None:
    again = tiny.build_tiny_gpt_oss(tmp_path / "again.gguf")
    assert again.read_bytes() == tiny_gpt_oss.read_bytes()


def test_harmony_tokens_are_single_special_tokens(llm: Any) -> None:
    import llama_cpp

    _, _, _, ids = tiny.vocabulary()
    for text in SPECIALS:
        assert llm.tokenize(text.encode(), add_bos=False, special=True) == [ids[text]], text
    tokens = llm.tokenize(
        b"<|start|>assistant<|channel|>final<|message|>hi", add_bos=False, special=True
    )
    assert [t for t in tokens if t in ids.values()] == [
        ids["<|start|>"],
        ids["<|channel|>"],
        ids["<|message|>"],
    ]
    assert llm.detokenize(tokens, special=True) == (
        b"<|start|>assistant<|channel|>final<|message|>hi"
    )
    # Without special parsing the control tokens are plain text.
    assert ids["<|return|>"] not in llm.tokenize(b"<|return|>", add_bos=False, special=False)
    # As for the real gpt-oss: <|return|>, <|call|> and <|endoftext|> end generation, <|end|>
    # (which ends a message, not the turn) does not.
    vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
    for text in ENDS:
        assert llama_cpp.llama_vocab_is_eog(vocab, ids[text]), text
    assert not llama_cpp.llama_vocab_is_eog(vocab, ids["<|end|>"])
    assert llm.token_eos() == ids["<|return|>"]


def test_llama_cpp_decodes_twenty_tokens(llm: Any) -> None:
    llm.reset()
    llm.eval(llm.tokenize(b"<|start|>user<|message|>hi<|end|>", add_bos=False, special=True))
    generated = []
    for _ in range(20):
        token = llm.sample(temp=0.0)
        generated.append(token)
        llm.eval([token])
    assert len(generated) == 20 and all(0 <= t < llm.n_vocab() for t in generated)
    out = llm.create_completion("<|start|>assistant", max_tokens=20, temperature=0.0)
    assert 0 < out["usage"]["completion_tokens"] <= 20


@pytest.mark.parametrize("cpu_moe_layers", [0, 1], ids=["default", "experts-in-ram"])
def test_fathom_streams_it_through_harmony(tiny_gpt_oss: Path, cpu_moe_layers: int) -> None:
    options = LlamaOptions(n_ctx=1024, n_threads=1, cpu_moe_layers=cpu_moe_layers)
    model = LlamaCppModel(tiny_gpt_oss, options)
    try:
        assert model.harmony and model.chat_format is None
        assert model.capabilities.tools and model.capabilities.reasoning
        events = list(model.stream([{"role": "user", "content": "hi"}], GREEDY))
        assert isinstance(events[-1], Usage)
        assert any(isinstance(e, TurnEnd) for e in events)
        usage = events[-1]
        assert usage.prompt_tokens > 0 and usage.prompt_tokens == model.last_prompt_tokens
        assert usage.completion_tokens > 0
        assert model.count_tokens("hello world") > 0
    finally:
        model.close()
