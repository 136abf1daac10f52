"""Images (PNG, JPEG, TIFF): their text by OCR, one section per image or TIFF frame.

Pillow decodes them; a frame of more than ``MAX_PIXELS`` pixels is refused before it is
decoded (a decompression bomb, or a scan no page needs), and a larger frame than OCR uses
is shrunk as it is decoded, so one frame's pixels are in memory at a time. An image that
shows no text is a document with no text (nothing to search), not an error.
"""

from __future__ import annotations

import io
import re
import warnings
from typing import TYPE_CHECKING, Any

from desktop.core.ingest.document import Document
from desktop.core.ingest.readers.base import PageHook, ReadError, TextBuilder, reason
from desktop.core.ingest.readers.ocr import MAX_SIDE, ocr_image

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from PIL import Image

# 100 megapixels: a letter or A4 page scanned at 600 dpi is 35, an A3 one 70. Above
# Pillow's own warning threshold (89 MP), which this limit replaces.
MAX_PIXELS = 100_000_000
_LIMIT = f"{MAX_PIXELS // 1_000_000} megapixels"
_HIGH_DEPTH = ("I", "I;16", "I;16L", "I;16B", "I;16N", "F")  # 16- and 32-bit grey


def read_image(path: str, data: bytes, on_page: PageHook | None = None) -> Document:
    """One OCR'd section per frame, ``page`` = the frame's number (from 1)."""
    from PIL import Image, UnidentifiedImageError

    kind = _kind(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            frames = int(getattr(image, "n_frames", 1) or 1)
    except Image.DecompressionBombError as exc:  # Pillow's own limit, twice its warning's
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) // 1_000_000} megapixels" if found else "too many pixels"
        raise ReadError(f"{kind} too large: {size} (the limit is {_LIMIT})") from exc
    except UnidentifiedImageError as exc:
        raise ReadError(f"corrupt {kind}: not an image Pillow recognises") from exc
    except Exception as exc:  # Pillow raises many kinds on damaged files; all mean the same
        raise ReadError(f"corrupt {kind}: {reason(exc)}") from exc
    builder = TextBuilder()
    with image:
        for index in range(frames):
            if on_page is not None:
                on_page(index + 1, frames, True)
            grey = _frame(image, index, frames, kind)
            text = ocr_image(grey)
            del grey
            builder.section("", index + 1, ocr=True)
            builder.block(text)
    return builder.build(path)


def _kind(path: str) -> str:
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return {"jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF"}.get(suffix, "PNG")


def _frame(image: Image.Image, index: int, frames: int, kind: str) -> NDArray[np.uint8]:
    """Frame ``index`` as grey pixels, upright (EXIF orientation), at most ``MAX_SIDE`` on
    its long side; ReadError when it is too large or cannot be decoded."""
    where = f" (frame {index + 1} of {frames})" if frames > 1 else ""
    try:
        image.seek(index)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ReadError(
                f"{kind} too large{where}: {width} x {height} pixels (the limit is {_LIMIT})"
            )
        if width < 1 or height < 1:
            raise ReadError(f"corrupt {kind}{where}: the image is empty")
        # JPEG decodes at 1/2, 1/4 or 1/8 directly: a large photo never lands in full.
        factor = max(width, height) / MAX_SIDE
        if factor > 1 and image.format == "JPEG":
            image.draft("L", (int(width / factor), int(height / factor)))
        return _grey(image)
    except ReadError:
        raise
    except Exception as exc:  # damaged or truncated data, an unknown compression
        raise ReadError(f"corrupt {kind}{where}: {reason(exc)}") from exc


def _grey(image: Image.Image) -> NDArray[np.uint8]:
    import numpy as np
    from PIL import Image, ImageOps

    frame: Any = ImageOps.exif_transpose(image)
    if frame.mode in _HIGH_DEPTH:  # scaled to 8 bits by its brightest pixel, not clipped
        pixels = np.asarray(frame, dtype=np.float32)
        top = float(pixels.max()) if pixels.size else 0.0
        if top > 255:
            pixels *= 255.0 / top
        frame = Image.fromarray(pixels.clip(0, 255).astype(np.uint8), "L")
    elif frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        # Transparent pixels are paper: on white, not on black.
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(paper, rgba)
    if max(frame.size) > MAX_SIDE:
        frame = frame.convert("L") if frame.mode != "L" else frame
        frame.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return np.asarray(frame.convert("L"), dtype=np.uint8)
