"""Downloads through huggingface-hub: resumable, into Fathom's model folders."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import DownloadError, ModelError
from desktop.core.modelhub.catalog import EMBEDDING_FILES, HubFile


def pull_file(item: HubFile, dest_dir: Path) -> Path:
    """Fetch one file into ``dest_dir``.

    huggingface-hub writes to an ``.incomplete`` file and moves it into place only when
    complete, and shows a progress bar with bytes, speed and time left. A connection lost
    mid-file is resumed within the same run (from the last 10 MiB boundary); a failed run
    deletes its partial file, so running again starts the file over.
    """
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import httpx  # type: ignore[attr-defined]  # httpx2 in hub 2.x

    dest_dir.mkdir(parents=True, exist_ok=True)
    try:
        path = huggingface_hub.hf_hub_download(
            repo_id=item.repo_id,
            filename=item.filename,
            revision=item.revision,
            local_dir=dest_dir,
        )
    except (HfHubHTTPError, httpx.HTTPError) as exc:  # transport errors (reset, cut) too
        raise DownloadError(
            f"Download of {item.repo_id}/{item.filename} failed: {exc}",
            "Check the network connection and run the command again.",
        ) from exc
    except OSError as exc:
        raise DownloadError(
            f"Download of {item.filename} failed: {exc}",
            "Check the network connection and free disk space, then run it again.",
        ) from exc
    return Path(path)


def embedding_folder(repo_id: str, cache_dir: Path) -> Path:
    """A hub embedding model's folder: from the cache if present, else downloaded."""
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    from huggingface_hub.utils import httpx  # type: ignore[attr-defined]  # httpx2 in hub 2.x

    def fetch(local_only: bool) -> Path:
        return Path(
            huggingface_hub.snapshot_download(
                repo_id,
                allow_patterns=EMBEDDING_FILES,
                cache_dir=cache_dir,
                local_files_only=local_only,
            )
        )

    try:
        return fetch(local_only=True)
    except LocalEntryNotFoundError:
        pass
    try:
        return fetch(local_only=False)
    except (HfHubHTTPError, httpx.HTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise ModelError(
            f"The embedding model {repo_id} is not on this machine and cannot be downloaded: {exc}",
            "Connect to the network once, or pass --embedding with a local model folder.",
        ) from exc
