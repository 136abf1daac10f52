"""``fathom config get KEY | set KEY VALUE | list [--json]`` over the typed settings."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from desktop.core.services import Services
from desktop.core.settings import ENV_PREFIX, get_key, list_keys, set_key


def _env_name(key: str) -> str:
    section, _, name = key.partition(".")
    return f"{ENV_PREFIX}{section.upper()}__{name.upper()}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if value != "" else '""'


def run_config(services: Services, args: argparse.Namespace) -> int:
    action = args.config_command
    file = services.paths.settings_file
    if action == "get":
        value = get_key(services.settings, args.key)
        print(json.dumps(value) if args.json else _show(value))
        return 0
    if action == "set":
        saved = set_key(services.settings_file.saved(), args.key, args.value)
        if args.key == "llm.model" and args.value and saved.llm.backend == "llama_cpp":
            from desktop.core.modelhub.manager import check_chat_gguf

            check_chat_gguf(Path(args.value))  # a file that llama.cpp cannot run is refused
        value = get_key(services.update_settings({args.key: args.value}), args.key)
        print(f"{args.key} = {_show(value)}")
        if _env_name(args.key) in os.environ:
            print(f"  note: {_env_name(args.key)} is set and overrides this while it is.")
        return 0
    keys = list_keys(services.settings)
    if args.json:
        payload = [
            {
                "key": k.key,
                "value": k.value,
                "default": k.default,
                "type": k.kind,
                "allowed": k.allowed,
                "choices": list(k.choices),
                "description": k.description,
                "from_environment": _env_name(k.key) in os.environ,
            }
            for k in keys
        ]
        print(json.dumps(payload, indent=2))
        return 0
    width = max(len(k.key) for k in keys)
    for k in keys:
        changed = "" if k.value == k.default else "  (default " + _show(k.default) + ")"
        env = f"  [{_env_name(k.key)}]" if _env_name(k.key) in os.environ else ""
        print(f"{k.key:<{width}}  {_show(k.value)!s}{changed}{env}")
    print(f"\nSettings file: {file}")
    return 0
