"""Read a GGUF file's header metadata without loading the model.

Used to validate a file people point at, to find its architecture (gpt-oss takes the
harmony path) and whether it carries a chat template.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

from desktop.core.errors import ModelError

MAGIC = b"GGUF"
_SCALARS: dict[int, str] = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
ARRAY_SKIPPED = "<array>"


class _Reader:
    def __init__(self, f: BinaryIO) -> None:
        self.f = f

    def take(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise ModelError("The GGUF file is truncated (its header ends early).")
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        return self.take(int(self.unpack("<Q"))).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        self.f.seek(int(self.unpack("<Q")), 1)

    def value(self, kind: int, keep_arrays: bool) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            elem, count = self.unpack("<I"), self.unpack("<Q")
            if keep_arrays:
                return [self.value(elem, True) for _ in range(count)]
            if elem in _SCALARS:
                self.f.seek(struct.calcsize(_SCALARS[elem]) * count, 1)
            elif elem == _STRING:
                for _ in range(count):
                    self.skip_string()
            else:
                for _ in range(count):
                    self.value(elem, False)
            return ARRAY_SKIPPED
        raise ModelError(f"The GGUF header has an unknown value type {kind}.")


def read_gguf_metadata(path: Path, *, keep_arrays: bool = False) -> dict[str, Any]:
    """Return the header's key/value pairs; arrays (the vocabulary) are skipped by default."""
    try:
        f = Path(path).open("rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise ModelError(f"Cannot open the model file {path}: {exc.strerror}.") from exc
    with f:
        if f.read(4) != MAGIC:
            raise ModelError(
                f"{path} is not a GGUF model file.",
                "Fathom runs llama.cpp models in GGUF format (files ending in .gguf).",
            )
        r = _Reader(f)
        version = r.unpack("<I")
        if version < 2:
            raise ModelError(
                f"{path} uses GGUF version {version}, which llama.cpp no longer reads."
            )
        r.unpack("<Q")  # tensor count
        count = r.unpack("<Q")
        meta: dict[str, Any] = {"gguf.version": version}
        for _ in range(count):
            key = r.string()
            meta[key] = r.value(r.unpack("<I"), keep_arrays)
        return meta


def architecture(meta: dict[str, Any]) -> str:
    return str(meta.get("general.architecture", ""))


def is_gpt_oss(meta: dict[str, Any]) -> bool:
    return architecture(meta) == "gpt-oss"
