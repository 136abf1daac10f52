"""First run: what this machine can run, and what to fetch.

``recommend(machine, free_disk)`` picks the chat model and how it runs here (the whole
model on a GPU with 16 GB or more; on a smaller GPU, every layer there but the experts of
some layers in system memory; on no usable GPU, the CPU) plus the embedding model, and
says what to worry about (too little memory or disk). It is arithmetic on the machine
that ``desktop.core.llm.hardware.detect_machine`` reports; no model is loaded. It is
shown, not saved: the settings' auto values (``llm.n_gpu_layers`` -1, ...) work the choice
out again at each load (desktop.core.llm.hardware), for the machine of that moment.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.llm.hardware import GIB, Machine
from desktop.core.modelhub.catalog import DEFAULT_CHAT, HubFile
from desktop.core.settings import DEFAULT_EMBEDDING

FULL_GPU_VRAM = 15 * GIB  # a "16 GB" card reports a little less than 16 GiB
MIN_EXPERT_OFFLOAD_VRAM = 4 * GIB  # below this, the attention layers alone barely fit
GPT_OSS_LAYERS = 24
MIN_RAM = 16 * GIB  # gpt-oss-20b (12 GB) beside the app and the OS
EMBEDDING_BYTES = 100 * 1000**2  # all-MiniLM-L6-v2 as ONNX plus tokenizer, about 90 MB
DISK_MARGIN = 2 * GIB


@dataclass(frozen=True)
class Recommendation:
    chat: HubFile
    embedding: str  # hub id
    where: str  # "GPU", "GPU + CPU (experts)", "CPU"
    n_gpu_layers: int  # -1: all, 0: none
    cpu_moe_layers: int  # experts of the first N layers in system memory
    download_bytes: int
    free_disk: int
    warnings: list[str] = field(default_factory=list)

    @property
    def fits_disk(self) -> bool:
        return self.free_disk >= self.download_bytes + DISK_MARGIN

    def describe(self) -> str:
        how = {
            "GPU": "entirely on the GPU",
            "CPU": "on the CPU",
        }.get(self.where, f"on the GPU with the experts of {self.cpu_moe_layers} layers in RAM")
        return (
            f"{self.chat.filename} ({self.chat.size_gb:.1f} GB) {how}; "
            f"embeddings with {self.embedding}"
        )


def free_disk_bytes(folder: Path) -> int:
    """Free bytes on the disk that holds ``folder`` (or its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return int(shutil.disk_usage(folder).free)


def recommend(machine: Machine, free_disk: int, chat: HubFile = DEFAULT_CHAT) -> Recommendation:
    model_bytes = int(chat.size_gb * 1000**3)
    download = model_bytes + EMBEDDING_BYTES
    warnings: list[str] = []
    gpu = machine.gpu_offload and machine.vram_bytes > 0
    if gpu and machine.vram_bytes >= FULL_GPU_VRAM:
        where, layers, moe = "GPU", -1, 0
    elif gpu and machine.vram_bytes >= MIN_EXPERT_OFFLOAD_VRAM:
        # Experts are ~90% of gpt-oss's weights: keep as many layers' experts in RAM as
        # needed for the rest (and a context) to fit the GPU.
        per_layer_experts = model_bytes * 0.9 / GPT_OSS_LAYERS
        over = model_bytes + 2 * GIB - machine.vram_bytes
        moe = min(GPT_OSS_LAYERS, max(1, int(over // per_layer_experts) + 1))
        where, layers = "GPU + CPU (experts)", -1
    else:
        where, layers, moe = "CPU", 0, 0
        if machine.gpu_offload and machine.vram_bytes:
            warnings.append(
                f"The GPU ({machine.gpu_name or 'unknown'}) has only "
                f"{machine.vram_bytes / GIB:.1f} GiB: running on the CPU."
            )
        elif not machine.gpu_offload:
            warnings.append(
                "This llama.cpp build has no GPU support: answers come from the CPU "
                "(a few tokens per second)."
            )
    ram_needed = (model_bytes if where == "CPU" else int(model_bytes * 0.9 * moe / 24)) + 4 * GIB
    if machine.ram_bytes < max(ram_needed, MIN_RAM if where != "GPU" else 8 * GIB):
        warnings.append(
            f"This machine has {machine.ram_bytes / GIB:.1f} GiB of memory; gpt-oss-20b "
            f"needs about {max(ram_needed, MIN_RAM) / GIB:.0f} GiB here. Expect swapping, "
            "or use a smaller GGUF you already have."
        )
    rec = Recommendation(chat, DEFAULT_EMBEDDING, where, layers, moe, download, free_disk)
    if not rec.fits_disk:
        warnings.append(
            f"Only {free_disk / 1000**3:.1f} GB of disk is free; the download needs "
            f"{(download + DISK_MARGIN) / 1000**3:.1f} GB."
        )
    return dataclasses.replace(rec, warnings=warnings)
