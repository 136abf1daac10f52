"""``fathom`` and ``python -m desktop``: the window by default, subcommands for the terminal.

Heavy libraries load inside the commands that need them, so ``fathom --help`` is quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from desktop import __version__
from desktop.core.errors import Cancelled, FathomError

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store", metavar="URI", help="Milvus store: a Lite directory or http(s)://host:port"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fathom",
        description="Chat with your own documents, locally. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Fathom {__version__}")
    parser.add_argument(
        "--base-dir", type=Path, help="folder for all Fathom state (or FATHOM_HOME)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ingest", help="add files and folders to the library")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--embedding", metavar="MODEL", help="embedding model folder or hub id")
    p.add_argument("--json", action="store_true", help="print one JSON summary, no progress bar")
    p.add_argument(
        "--watch",
        action="store_true",
        help="keep running and sync again whenever the files change (Ctrl+C stops)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how often --watch looks for changes (default 2)",
    )
    _add_store(p)

    p = sub.add_parser("ask", help="answer a question from the library")
    p.add_argument("question")
    p.add_argument("--model", metavar="GGUF", help="chat model file (default: settings)")
    p.add_argument(
        "--llm-url",
        metavar="URL",
        help="answer with an OpenAI-compatible server, e.g. http://localhost:8080/v1",
    )
    p.add_argument("--llm-model", metavar="NAME", help="the model name on that server")
    p.add_argument("--top-k", type=int, metavar="K", help="number of sources (default: settings)")
    p.add_argument("--retrieve-only", action="store_true", help="list the sources, skip the model")
    p.add_argument("--reasoning", choices=["low", "medium", "high"], help="reasoning effort")
    p.add_argument(
        "--mode",
        choices=["hybrid", "dense", "bm25"],
        default="hybrid",
        help="retrieval: dense vectors and BM25 fused (default), or one of them",
    )
    p.add_argument("--embedding", metavar="MODEL", help="embedding model (default: the store's)")
    p.add_argument(
        "--no-rerank",
        dest="rerank",
        action="store_false",
        help="keep the search's order (no cross-encoder reranking, whatever rag.rerank says)",
    )
    p.add_argument(
        "--in",
        dest="within",
        action="append",
        default=[],
        metavar="PATH",
        help="only use these files or folders (repeatable)",
    )
    p.add_argument(
        "--schema",
        type=Path,
        metavar="FILE",
        help="JSON schema the answer must follow; prints the JSON answer",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object at the end")
    _add_store(p)

    p = sub.add_parser(
        "reindex",
        help="rebuild the library with another embedding model or chunking",
        description="Re-embed every file of the library into a new one in the background; "
        "the current library keeps answering until the new one is complete. The choices are "
        "saved in the settings. Run it again to resume an interrupted rebuild.",
    )
    p.add_argument("--embedding", metavar="MODEL", help="embedding model folder or hub id")
    p.add_argument("--chunk-tokens", type=int, metavar="N", help="chunk size in tokens")
    p.add_argument("--chunk-overlap", type=int, metavar="N", help="overlap in tokens")
    p.add_argument("--json", action="store_true", help="print one JSON summary, no progress bar")
    _add_store(p)

    p = sub.add_parser("doctor", help="versions, GPU support, store and models")
    p.add_argument("--json", action="store_true")
    _add_store(p)

    p = sub.add_parser("models", help="list, add, remove, choose or download models")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    pull = msub.add_parser("pull", help="download the default chat model (gpt-oss-20b GGUF)")
    pull.add_argument("--repo", help="hub repository (default: the catalog's)")
    pull.add_argument("--file", help="file in that repository")
    pull.add_argument("--revision", help="branch, tag or commit (default: main)")
    pull.add_argument(
        "--reranker",
        action="store_true",
        help="download the cross-encoder that rag.reranker names instead",
    )
    lst = msub.add_parser("list", help="installed models")
    lst.add_argument("--json", action="store_true")
    add = msub.add_parser("add", help="add a GGUF file (or an ONNX embedding folder)")
    add.add_argument("path", metavar="PATH")
    rm = msub.add_parser("remove", help="forget a model (deletes files in Fathom's folder)")
    rm.add_argument("name", metavar="NAME")
    use = msub.add_parser("use", help="make a model the active one")
    use.add_argument("name", metavar="NAME_OR_PATH")

    p = sub.add_parser("config", help="read and change settings (dotted keys: rag.top_k)")
    csub = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    get = csub.add_parser("get", help="print one setting")
    get.add_argument("key", metavar="KEY")
    get.add_argument("--json", action="store_true")
    put = csub.add_parser("set", help="change one setting (validated, saved atomically)")
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    lst = csub.add_parser("list", help="every setting with its value")
    lst.add_argument("--json", action="store_true")

    p = sub.add_parser("setup", help="first run: check this machine, fetch or choose models")
    p.add_argument("--yes", action="store_true", help="download the recommended models")
    p.add_argument("--use-gguf", metavar="PATH", help="use a GGUF you already have")
    p.add_argument("--repo", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--embedding", metavar="MODEL", help="embedding model folder or hub id")
    p.add_argument(
        "--folder",
        action="append",
        metavar="PATH",
        help="a folder you will add (repeatable): the embedding model recommended suits the "
        "languages of its text",
    )
    p.add_argument("--json", action="store_true", help="print the machine and recommendation")

    p = sub.add_parser("store", help="copy a library between stores (Lite directory, server)")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    cp = ssub.add_parser(
        "copy",
        help="copy a library with its vectors and manifest; nothing is embedded again",
        description="Copy a library between stores: a Lite directory (a path ending in .db) "
        "or a Milvus server (http(s)://host:port, Zilliz Cloud). A server's token comes "
        "from FATHOM_STORE_TOKEN or the OS keyring.",
    )
    cp.add_argument("--from", dest="source", required=True, metavar="URI", help="copy from")
    cp.add_argument("--to", dest="target", required=True, metavar="URI", help="copy to")
    cp.add_argument("--library", metavar="NAME", help="library to copy (default: settings)")
    cp.add_argument("--to-library", metavar="NAME", help="its name in the target (default: same)")
    cp.add_argument(
        "--replace", action="store_true", help="overwrite a target library that holds documents"
    )
    cp.add_argument("--json", action="store_true", help="print one JSON summary, no progress bar")

    p = sub.add_parser("self-test", help="check this installation end to end, in a temp home")
    p.add_argument("--model", type=Path, metavar="GGUF", help="chat model file")
    p.add_argument("--embedding", type=Path, metavar="MODEL_DIR", help="ONNX model folder")
    p.add_argument("--docs", type=Path, metavar="DIR", help="folder to ingest (default: samples)")
    p.add_argument("--window-only", action="store_true", help="only open and close the window")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--keep", action="store_true", help="keep the temporary Fathom home")
    p.add_argument("--verbose", action="store_true", help="print the traceback of a failure")

    p = sub.add_parser("gui", help="open the window (the default)")
    p.add_argument("--quit-after", type=float, metavar="SECONDS", help=argparse.SUPPRESS)
    return parser


def _report(error: FathomError) -> None:
    print(f"fathom: error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"  hint: {error.hint}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # no telemetry, ever
    # The window (its model page and first-run wizard), ingest, reindex, setup and models pull
    # may fetch a missing model when asked to; the other commands never go online.
    fetches = args.command in (None, "gui", "ingest", "reindex", "setup")
    if not (fetches or getattr(args, "models_command", "") == "pull"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.command in (None, "gui"):
        from desktop.gui.launch import launch

        return launch(args.base_dir, getattr(args, "quit_after", None))
    if args.command == "self-test":
        from desktop.cli.selftest_cmd import run_self_test

        return run_self_test(args)
    from desktop.core.services import Services

    try:
        services = Services.from_environment(args.base_dir)
        if args.command == "ingest":
            from desktop.cli.ingest_cmd import run_ingest

            return run_ingest(services, args)
        if args.command == "ask":
            from desktop.cli.ask_cmd import run_ask

            return run_ask(services, args)
        if args.command == "reindex":
            from desktop.cli.reindex_cmd import run_reindex

            return run_reindex(services, args)
        if args.command == "doctor":
            from desktop.cli.doctor_cmd import run_doctor

            return run_doctor(services, args)
        if args.command == "config":
            from desktop.cli.config_cmd import run_config

            return run_config(services, args)
        if args.command == "setup":
            from desktop.cli.setup_cmd import run_setup

            return run_setup(services, args)
        if args.command == "store":
            from desktop.cli.store_cmd import run_store

            return run_store(services, args)
        from desktop.cli.models_cmd import run_models

        return run_models(services, args)
    except FathomError as exc:
        _report(exc)
        return EXIT_FATAL
    except (Cancelled, KeyboardInterrupt):
        print("fathom: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
