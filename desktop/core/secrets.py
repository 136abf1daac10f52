"""Secrets (a store token, an LLM API key) live in the OS keyring or the environment,
never in the settings file, logs, error messages or ``fathom doctor``."""

from __future__ import annotations

import contextlib
import os
from typing import Literal

SecretName = Literal["store_token", "llm_api_key"]

SERVICE = "fathom"
ENV = {"store_token": "FATHOM_STORE_TOKEN", "llm_api_key": "FATHOM_LLM_API_KEY"}


def get_secret(name: SecretName) -> str:
    """The environment variable wins; then the OS keyring; then empty."""
    value = os.environ.get(ENV[name])
    if value:
        return value
    try:
        import keyring

        return keyring.get_password(SERVICE, name) or ""
    except Exception:  # no keyring backend on this machine (headless Linux, CI)
        return ""


def set_secret(name: SecretName, value: str) -> None:
    """Save (or, with an empty value, delete) a secret in the OS keyring."""
    import keyring
    import keyring.errors

    if value:
        keyring.set_password(SERVICE, name, value)
        return
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(SERVICE, name)


def redact(text: str, *secrets: str) -> str:
    """``text`` with every non-empty secret replaced, for messages and logs."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
