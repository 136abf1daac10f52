"""First run: what this machine can run, and what to fetch.

``recommend(machine, free_disk)`` picks the chat model and how it runs here plus the
embedding model, and says what to worry about (too little memory or disk). How the chat
model runs is ``desktop.core.llm.hardware.plan``'s answer for the machine that
``detect_machine`` reports, the same arithmetic each load makes with the settings' auto
values (``llm.n_gpu_layers`` -1, ...): every layer on a GPU that holds them with a 32k
context; on a smaller one, the experts of some layers in system memory; on no usable GPU,
the CPU. No model is loaded. It is shown, not saved: each load works the choice out
again, for the machine of that moment.
"""

from __future__ import annotations

import dataclasses
import locale
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import Cancelled
from desktop.core.llm.hardware import (
    APP_OVERHEAD,
    GIB,
    GPT_OSS_20B,
    RAM_NOTE,
    RAM_SHARE,
    SMALL_GPU_NOTE,
    Machine,
    ModelShape,
    Plan,
    model_ram_budget,
    plan,
)
from desktop.core.modelhub.catalog import (
    DEFAULT_CHAT,
    ENGLISH_EMBEDDING,
    MULTILINGUAL_EMBEDDING,
    EmbeddingModel,
    HubFile,
)

DISK_MARGIN = 2 * GIB


@dataclass(frozen=True)
class Recommendation:
    chat: HubFile
    embedding: str  # hub id
    where: str  # "GPU", "GPU + CPU (experts)", "GPU + CPU" (some layers), "CPU"
    n_gpu_layers: int  # -1: all, 0: none
    cpu_moe_layers: int  # experts of the first N layers in system memory
    download_bytes: int
    free_disk: int
    warnings: list[str] = field(default_factory=list)
    embedding_reason: str = ""  # why not the default embedding model ("" when it is)
    plan: Plan | None = None  # hardware.plan's, which the placement above comes from

    @property
    def fits_disk(self) -> bool:
        return self.free_disk >= self.download_bytes + DISK_MARGIN

    def describe(self) -> str:
        """In short; ``plan_in_words(self.plan)`` says the layers, context and memory."""
        how = {
            "GPU": "entirely on the GPU",
            "CPU": "on the CPU",
            "GPU + CPU": f"with {self.n_gpu_layers} layers on the GPU, the rest on the CPU",
        }.get(self.where, f"on the GPU with the experts of {self.cpu_moe_layers} layers in RAM")
        why = f" ({self.embedding_reason})" if self.embedding_reason else ""
        return (
            f"{self.chat.filename} ({self.chat.size_gb:.1f} GB) {how}; "
            f"embeddings with {self.embedding}{why}"
        )


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the disk that holds ``folder`` (or its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return int(shutil.disk_usage(folder).free)


def chat_shape(chat: HubFile) -> ModelShape:
    """The shape of a chat model before its file is here: gpt-oss-20b's, its byte figures
    scaled to ``chat.size_gb`` for another file of that size (a size of 0: unknown, taken
    as gpt-oss-20b's)."""
    if chat.filename == DEFAULT_CHAT.filename or chat.size_gb <= 0:
        return GPT_OSS_20B
    scale = chat.size_gb * 1000**3 / GPT_OSS_20B.file_bytes
    return dataclasses.replace(
        GPT_OSS_20B,
        file_bytes=int(GPT_OSS_20B.file_bytes * scale),
        expert_bytes=int(GPT_OSS_20B.expert_bytes * scale),
        input_bytes=int(GPT_OSS_20B.input_bytes * scale),
        output_bytes=int(GPT_OSS_20B.output_bytes * scale),
    )


# A GPU the build cannot use (Machine.gpu_unused): what it is, the backend, and for the
# installed app, what to install instead of building.
UNUSED_GPU = {
    "cuda": ("an NVIDIA GPU", "CUDA", "Fathom's -cuda package"),
    "metal": ("Apple silicon's GPU", "Metal", "Fathom's macOS app"),
}


BACKEND_NAMES = {"cuda": "CUDA", "vulkan": "Vulkan", "metal": "Metal"}


def recommend(
    machine: Machine,
    free_disk: int,
    chat: HubFile = DEFAULT_CHAT,
    embedding: EmbeddingPick | None = None,
    *,
    flash_attn: bool = False,
    kv_cache_type: str = "f16",
) -> Recommendation:
    """``embedding``: the embedding model to fetch (``recommended_embedding()``); the
    default, English one when not given. ``flash_attn`` and ``kv_cache_type``: as the
    settings will load the model (``llm.flash_attn``, ``llm.kv_cache_type``); the placement
    is ``hardware.plan``'s with the settings' auto values."""
    pick = embedding or EmbeddingPick(ENGLISH_EMBEDDING)
    shape = chat_shape(chat)
    download = int(chat.size_gb * 1000**3) + pick.model.download_bytes
    p = plan(shape, machine, flash_attn=flash_attn, kv_cache_type=kv_cache_type)
    if p.where == "GPU + CPU" and p.gpu_layers >= p.n_layers:
        where = "GPU + CPU (experts)"
    else:
        where = p.where
    warnings: list[str] = []
    if p.where == "CPU" and machine.gpu_offload and machine.vram_bytes:
        warnings.append(
            f"The GPU ({machine.gpu_name or 'unknown'}) has only "
            f"{machine.vram_bytes / GIB:.1f} GiB: running on the CPU."
        )
    elif not machine.gpu_offload and machine.idle_backend:
        backend = BACKEND_NAMES.get(machine.idle_backend, machine.idle_backend)
        warnings.append(
            f"This llama.cpp build uses {backend}, but found no {backend} device: "
            f"{machine.no_device or 'none was reported'}. Answers come from the CPU "
            "(a few tokens per second)."
        )
    elif not machine.gpu_offload and machine.gpu_unused in UNUSED_GPU:
        gpu, backend, package = UNUSED_GPU[machine.gpu_unused]
        fix = (
            f"{package} uses it."
            if getattr(sys, "frozen", False)
            else f"bash .ci/setup --gpu {machine.gpu_unused} builds one that uses it."
        )
        warnings.append(
            f"This machine has {gpu}, but this llama.cpp build has no {backend} support: "
            f"answers come from the CPU (a few tokens per second). {fix}"
        )
    elif not machine.gpu_offload:
        warnings.append(
            "No GPU found that llama.cpp can use: answers come from the CPU "
            "(a few tokens per second)."
        )
    if p.ram_bytes > model_ram_budget(machine):
        needed = (p.ram_bytes + APP_OVERHEAD) / RAM_SHARE
        warnings.append(
            f"This machine has {machine.ram_bytes / GIB:.1f} GiB of memory; "
            f"{Path(chat.filename).stem} needs about {needed / GIB:.0f} GiB here. "
            "Expect swapping, or use a smaller GGUF you already have."
        )
    warnings += [n for n in p.notes if n not in (SMALL_GPU_NOTE, RAM_NOTE)]
    rec = Recommendation(
        chat,
        pick.model.repo_id,
        where,
        p.n_gpu_layers,
        p.cpu_moe_layers,
        download,
        free_disk,
        embedding_reason=pick.reason,
        plan=p,
    )
    if not rec.fits_disk:
        warnings.append(
            f"Only {free_disk / 1000**3:.1f} GB of disk is free; the download needs "
            f"{(download + DISK_MARGIN) / 1000**3:.1f} GB."
        )
    return dataclasses.replace(rec, warnings=warnings)


# --- the embedding model: English, or many languages ------------------------------------
#
# The default model reads English only. The multilingual one is recommended when the
# person's system language is not English, or when the text of the folders they name is
# mostly not English: a cheap check of a sample of it, by script (Cyrillic, CJK, Arabic...
# letters) and, for Latin-script text, by which function words it is made of.


@dataclass(frozen=True)
class EmbeddingPick:
    model: EmbeddingModel
    reason: str = ""  # why, for the person; "" for the default


def language_code(name: str) -> str:
    """A locale name's language, lowercased: "de_DE.UTF-8" -> "de", "pt-BR" -> "pt",
    Windows' "German_Germany" -> "german"; "" for none and for the C/POSIX locale."""
    code = re.split(r"[._@:-]", name.strip(), maxsplit=1)[0].lower()
    return "" if code in ("c", "posix") else code


def is_english(code: str) -> bool:
    return code in ("en", "eng", "english")


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of this system's locale (``language_code``), "" when unknown: the
    first of LANGUAGE, LC_ALL, LC_MESSAGES and LANG that names one (gettext's order),
    else the locale Python started in (Windows; a macOS app opened from the Finder)."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        code = language_code(env.get(name, "").split(":")[0])
        if code:
            return code
    if environ is not None:
        return ""
    try:
        return language_code(locale.getlocale()[0] or "")
    except ValueError:
        return ""


_LETTERS = re.compile(r"[^\W\d_]+")


# Frequent function words. A word in both lists ("is", "for", "as", "was") tells nothing
# and is dropped from both.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ENGLISH_WORDS = _words(
    "the and of to is are was were that this with for from by it as be have has had not "
    "which what when you your they their will would can an on at or but if there been "
    "into more about should how these than its also"
)
_OTHER_WORDS = _words(
    # German, French, Spanish, Italian, Portuguese, Dutch
    "der die das und ist nicht ein eine mit von zu den dem des auf für sich auch wird "
    "werden oder wenn kann sind bei nach aus wie über noch was war hat "
    "le la les et est des une un du dans pour que qui pas sur avec ce sont au aux par "
    "plus mais ou être cette vous nous "
    "el los las y es en del por para con se al lo como más pero está son su sus "
    "il di che è gli della per non sono nel alla anche più questo "
    "o os as de não um uma com do da dos das em no na é são também pelo pela "
    "het een van dat op te met voor zijn er aan ook als bij wordt "
    # Swedish, Danish, Norwegian, Finnish, Polish, Czech, Hungarian, Romanian
    "och att det som är för på av inte og er ikke jeg til "
    "ja on ei että oli mutta kun joka "
    "i w z się nie jest że to jak po od za przez czy je že pro aby "
    "az és hogy egy van meg și în este cu pe nu care mai "
    # Turkish, Indonesian, Vietnamese
    "ve bir bu için ile olarak çok daha gibi ne ama "
    "dan yang di ini itu dengan untuk dari tidak ada akan dalam atau juga pada "
    "của và là có những các được trong cho không này một với người"
)
ENGLISH_WORDS = _ENGLISH_WORDS - _OTHER_WORDS
OTHER_WORDS = _OTHER_WORDS - _ENGLISH_WORDS


def _latin(ch: str) -> bool:
    cp = ord(ch)
    return cp <= 0x24F or 0x1E00 <= cp <= 0x1EFF  # Basic Latin to Latin Extended-B, Vietnamese


def text_is_english(text: str) -> tuple[bool | None, int]:
    """Whether a text is English (None: it does not say, e.g. code or numbers), and how
    many letters it has (its weight in a sample)."""
    words = _LETTERS.findall(text.lower())
    letters = sum(map(len, words))
    if letters < 40:
        return None, letters
    other_script = sum(1 for w in words for ch in w if not _latin(ch))
    if other_script * 2 > letters:
        return False, letters
    english = sum(w in ENGLISH_WORDS for w in words)
    other = sum(w in OTHER_WORDS for w in words)
    if english + other < max(4, len(words) // 40):
        return None, letters
    return english > other, letters


def english_share(texts: Iterable[str]) -> float | None:
    """The share of a sample's letters in texts that are English, among those whose
    language shows (None when none does)."""
    english = decided = 0
    for text in texts:
        verdict, letters = text_is_english(text)
        if verdict is not None:
            decided += letters
            english += letters if verdict else 0
    return english / decided if decided else None


SAMPLE_FILES = 24
SAMPLE_CHARS = 20_000
SAMPLE_MAX_BYTES = 20 * 1000**2


def sample_texts(
    folders: Sequence[Path], files: int = SAMPLE_FILES, chars: int = SAMPLE_CHARS
) -> list[str]:
    """The beginning of the text of up to ``files`` documents under ``folders`` (as
    ingestion finds them, spread over the list), read by Fathom's own readers; files that
    are large or cannot be read are passed over (for others, up to ``3 * files`` tried)."""
    from desktop.core.ingest.readers import reader_for
    from desktop.core.ingest.scan import scan

    found = scan(folders).files
    step = max(1, len(found) // files)
    spread = found[::step]
    tried = spread + [p for i, p in enumerate(found) if i % step]
    out: list[str] = []
    for path in tried[: 3 * files]:
        if len(out) == files:
            break
        reader = reader_for(path, on_page=_no_ocr)
        try:
            if reader is None or path.stat().st_size > SAMPLE_MAX_BYTES:
                continue
            out.append(reader(str(path), path.read_bytes()).text[:chars])
        except Exception:  # a sample: a file that fails here fails again, clearly, at ingest
            continue
    return out


def _no_ocr(page: int, pages: int, ocr: bool) -> None:
    """Stop reading a sample at its first page that needs OCR (a second a page, too slow
    for a setup step); the file is passed over."""
    if ocr:
        raise Cancelled()


def pick_embedding(language: str, share_english: float | None) -> EmbeddingPick:
    """The multilingual model when the system language is not English or the folders'
    text is mostly not English; else the default."""
    if share_english is not None and share_english < 0.5:
        return EmbeddingPick(
            MULTILINGUAL_EMBEDDING,
            f"{1 - share_english:.0%} of the text sampled from your folders is not English",
        )
    if language and not is_english(language):
        return EmbeddingPick(
            MULTILINGUAL_EMBEDDING, f"this system's language is '{language}', not English"
        )
    return EmbeddingPick(ENGLISH_EMBEDDING)


def recommended_embedding(
    folders: Sequence[Path] = (), environ: Mapping[str, str] | None = None
) -> EmbeddingPick:
    """The embedding model for this person: from the system's language and, when they name
    the folders they will add, a sample of those folders' text."""
    share = english_share(sample_texts(folders)) if folders else None
    return pick_embedding(system_language(environ), share)
