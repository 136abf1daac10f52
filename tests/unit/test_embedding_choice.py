"""Which embedding model first-run recommends: the system's language, the folders' text;
what the multilingual model's download fetches."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.llm.hardware import GIB, Machine
from desktop.core.modelhub.catalog import (
    ENGLISH_EMBEDDING,
    MULTILINGUAL_EMBEDDING,
    known_embedding,
)
from desktop.core.modelhub.download import embedding_files
from desktop.core.settings import DEFAULT_EMBEDDING
from desktop.core.setup import (
    english_share,
    language_code,
    pick_embedding,
    recommend,
    recommended_embedding,
    sample_texts,
    system_language,
    text_is_english,
)

ENGLISH = (
    "The collection is loaded into memory before a search. When the query node starts, it "
    "reads the segments that have been sealed and builds an index for each of them, so "
    "that searches are fast. You can release a collection to free the memory it uses."
)
GERMAN = (
    "Die Sammlung wird vor einer Suche in den Speicher geladen. Wenn der Knoten startet, "
    "liest er die Segmente, die bereits versiegelt sind, und baut für jedes einen Index auf, "
    "damit die Suche schnell ist. Man kann eine Sammlung freigeben, um den Speicher zu leeren."
)
FRENCH = (
    "La collection est chargée en mémoire avant une recherche. Quand le nœud démarre, il lit "
    "les segments qui sont scellés et construit un index pour chacun, pour que la recherche "
    "soit rapide. Vous pouvez libérer une collection pour vider la mémoire."
)
SPANISH = (
    "La colección se carga en la memoria antes de una búsqueda. Cuando el nodo arranca, lee "
    "los segmentos que están sellados y construye un índice para cada uno, para que la "
    "búsqueda sea rápida. Se puede liberar una colección para vaciar la memoria."
)
CHINESE = (
    "在搜索之前, 集合会被加载到内存中. "
    "查询节点启动时, 会读取已封存的数据段并为每个数据段建立索引, 以便快速搜索."
)
RUSSIAN = (
    "Перед поиском коллекция загружается в память. Когда узел запросов запускается, он "
    "читает запечатанные сегменты и строит индекс для каждого из них."
)
CODE = (
    "def load(client, name):\n    client.load_collection(name)\n    res = client.search(name, "
    "data=[vec], limit=10)\n    return [hit['id'] for hit in res[0]]\n" * 3
)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("de_DE.UTF-8", "de"),
        ("en_GB.UTF-8", "en"),
        ("pt-BR", "pt"),
        ("sr_RS@latin", "sr"),
        ("German_Germany", "german"),
        ("C.UTF-8", ""),
        ("POSIX", ""),
        ("", ""),
    ],
)
def test_language_code_of_a_locale_name(name: str, code: str) -> None:
    assert language_code(name) == code


def test_system_language_follows_gettexts_order() -> None:
    assert system_language({"LANG": "de_DE.UTF-8"}) == "de"
    assert system_language({"LANG": "en_US.UTF-8", "LC_ALL": "fr_FR.UTF-8"}) == "fr"
    assert system_language({"LANG": "en_US.UTF-8", "LANGUAGE": "ja:en"}) == "ja"
    assert system_language({"LANG": "C.UTF-8", "LC_ALL": ""}) == ""
    assert system_language({}) == ""


@pytest.mark.parametrize(
    ("text", "english"),
    [
        (ENGLISH, True),
        (GERMAN, False),
        (FRENCH, False),
        (SPANISH, False),
        (CHINESE, False),
        (RUSSIAN, False),
        (CODE, None),  # identifiers, no sentences: says nothing
        ("12 34 56 78 90 " * 20, None),
        ("Short.", None),
    ],
)
def test_a_text_is_told_english_or_not_or_undecided(text: str, english: bool | None) -> None:
    assert text_is_english(text)[0] is english


def test_english_share_weighs_texts_by_their_letters() -> None:
    assert english_share([ENGLISH, ENGLISH, GERMAN]) == pytest.approx(2 / 3, abs=0.05)
    assert english_share([CODE, ENGLISH]) == 1.0
    assert english_share([CODE]) is None
    assert english_share([]) is None


def test_the_default_stays_for_english_and_unknown_languages() -> None:
    for language, share in (("en", None), ("", None), ("english", 0.9), ("en", 0.6)):
        pick = pick_embedding(language, share)
        assert pick.model == ENGLISH_EMBEDDING and pick.reason == ""
    assert ENGLISH_EMBEDDING.repo_id == DEFAULT_EMBEDDING


def test_another_system_language_or_mostly_foreign_folders_pick_the_multilingual_model() -> None:
    by_locale = pick_embedding("de", None)
    assert by_locale.model == MULTILINGUAL_EMBEDDING
    assert by_locale.reason == "this system's language is 'de', not English"
    by_text = pick_embedding("en", 0.2)
    assert by_text.model == MULTILINGUAL_EMBEDDING
    assert by_text.reason == "80% of the text sampled from your folders is not English"
    assert pick_embedding("fr", 0.9).model == MULTILINGUAL_EMBEDDING  # French questions


def test_folders_are_sampled_with_the_readers_of_ingestion(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    for i, text in enumerate([GERMAN, FRENCH, SPANISH]):
        (docs / "sub" / f"note{i}.md").write_text(f"# Notiz {i}\n\n{text}\n", encoding="utf-8")
    (docs / "readme.txt").write_text(ENGLISH, encoding="utf-8")
    (docs / "tool.py").write_text(CODE, encoding="utf-8")
    (docs / ".hidden.md").write_text(ENGLISH * 50, encoding="utf-8")  # skipped, as ingest does
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 not really")  # unreadable: passed over
    texts = sample_texts([docs])
    assert len(texts) == 5 and any("Notiz 2" in t for t in texts)
    english_env = {"LANG": "en_US.UTF-8"}
    pick = recommended_embedding([docs], environ=english_env)
    assert pick.model == MULTILINGUAL_EMBEDDING and "not English" in pick.reason
    (docs / "sub" / "note1.md").unlink()
    (docs / "sub" / "note2.md").unlink()
    for i in range(3):
        (docs / f"more{i}.md").write_text(ENGLISH, encoding="utf-8")
    assert recommended_embedding([docs], environ=english_env).model == ENGLISH_EMBEDDING
    assert recommended_embedding([], environ={"LANG": "es_ES.UTF-8"}).model == (
        MULTILINGUAL_EMBEDDING
    )
    assert len(sample_texts([docs], files=2)) == 2


def test_the_recommendation_downloads_and_explains_the_chosen_model() -> None:
    machine = Machine(8, 32 * GIB, True, "RTX 4080", 16 * GIB)
    default = recommend(machine, free_disk=1000**4)
    pick = pick_embedding("de", None)
    chosen = recommend(machine, free_disk=1000**4, embedding=pick)
    assert default.embedding == DEFAULT_EMBEDDING and default.embedding_reason == ""
    assert chosen.embedding == "intfloat/multilingual-e5-small"
    assert chosen.download_bytes - default.download_bytes == 400 * 1000**2
    assert chosen.describe().endswith(
        "embeddings with intfloat/multilingual-e5-small "
        "(this system's language is 'de', not English)"
    )


# What intfloat/multilingual-e5-small's hub repo holds (its file listing, weights included).
E5_REPO_FILES = [
    ".gitattributes",
    "1_Pooling/config.json",
    "README.md",
    "config.json",
    "model.safetensors",
    "modules.json",
    "onnx/config.json",
    "onnx/model.onnx",
    "onnx/model_O4.onnx",
    "onnx/model_qint8_avx512_vnni.onnx",
    "onnx/sentencepiece.bpe.model",
    "onnx/special_tokens_map.json",
    "onnx/tokenizer.json",
    "onnx/tokenizer_config.json",
    "openvino/openvino_model.bin",
    "openvino/openvino_model.xml",
    "pytorch_model.bin",
    "sentence_bert_config.json",
    "sentencepiece.bpe.model",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
]


def test_the_multilingual_download_fetches_its_tokenizer_and_onnx_file_only() -> None:
    """tokenizer.json carries the SentencePiece vocabulary and normaliser, so the .model
    files are not needed; the ONNX export's copies of the configs are left on the hub."""
    assert set(embedding_files(E5_REPO_FILES)) == {
        "1_Pooling/config.json",
        "config.json",
        "modules.json",
        "onnx/model.onnx",
        "sentence_bert_config.json",
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    }


def test_known_models_by_hub_id_or_hub_cache_folder(tmp_path: Path) -> None:
    assert known_embedding("intfloat/multilingual-e5-small") == MULTILINGUAL_EMBEDDING
    snapshot = tmp_path / "hub" / "models--intfloat--multilingual-e5-small" / "snapshots" / "ab"
    assert known_embedding(snapshot) == MULTILINGUAL_EMBEDDING
    assert known_embedding(tmp_path / "my-model") is None
    assert known_embedding("BAAI/bge-small-en-v1.5") is None
    assert MULTILINGUAL_EMBEDDING.prompts == {"query": "query: ", "passage": "passage: "}
    assert ENGLISH_EMBEDDING.prompts == {}
