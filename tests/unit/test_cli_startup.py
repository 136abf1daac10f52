import subprocess
import sys

HEAVY = ("llama_cpp", "pymilvus", "PySide6", "huggingface_hub", "torch", "onnxruntime")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from desktop.cli.main import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "desktop", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("ingest", "ask", "doctor", "models"):
        assert command in out.stdout
