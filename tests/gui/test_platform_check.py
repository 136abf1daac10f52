"""Before Qt loads, Fathom checks with ldd that Qt's X11 plugin can load; when a system
library is missing it says which and how to install it, and exits 2 instead of Qt's abort.

The plugins here are real ELF files: one compiled with the C compiler that needs a library
no system has, and a copy of PySide6's own X11 plugin away from the Qt libraries it needs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.gui import platform_check
from desktop.gui.platform_check import linkage, platform_name, platform_problem, pyside_dir

ABSENT = "libfathom-absent.so.0"  # a library no machine has

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd is Linux's")


@pytest.fixture
def fake_plugin(tmp_path: Path) -> Path:
    """platforms/libqxcb.so needing ``ABSENT``: linked against a stub that is then removed."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler to make a plugin with a missing library")
    stub_dir, platforms = tmp_path / "stub", tmp_path / "platforms"
    stub_dir.mkdir()
    platforms.mkdir()
    (tmp_path / "stub.c").write_text("int fathom_absent(void) { return 1; }\n")
    (tmp_path / "plugin.c").write_text(
        "int fathom_absent(void);\nint plugin_entry(void) { return fathom_absent(); }\n"
    )
    run = [cc, "-shared", "-fPIC"]
    subprocess.run(
        [*run, "-o", str(stub_dir / ABSENT), f"-Wl,-soname,{ABSENT}", str(tmp_path / "stub.c")],
        check=True,
    )
    plugin = platforms / "libqxcb.so"
    link = ["-Wl,--no-as-needed", f"-L{stub_dir}", f"-l:{ABSENT}"]
    subprocess.run([*run, "-o", str(plugin), str(tmp_path / "plugin.c"), *link], check=True)
    shutil.rmtree(stub_dir)
    return plugin


def _env(plugin: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_PLUGIN_PATH")}
    env["QT_QPA_PLATFORM"] = "xcb"  # past the display check: the plugin is what is tested
    env["QT_QPA_PLATFORM_PLUGIN_PATH"] = str(plugin.parent)
    return env


def test_ldd_names_the_missing_library_of_a_real_plugin(fake_plugin: Path) -> None:
    found = linkage(fake_plugin)
    assert found is not None
    assert found.missing == (ABSENT,)
    assert "libc.so.6" in found.needed


def test_a_missing_library_is_named_with_the_command_that_installs_it(
    fake_plugin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The package comes from the table of sonames (here one entry more, for ABSENT)."""
    monkeypatch.setitem(platform_check.DEBIAN_PACKAGES, ABSENT, "fathom-absent1")
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")  # apt-get "exists"
    problem = platform_problem(_env(fake_plugin))
    assert problem is not None
    assert problem.missing == (ABSENT,) and problem.packages == ("fathom-absent1",)
    assert f"system libraries that are not installed: {ABSENT}" in problem.message
    sudo = "" if os.geteuid() == 0 else "sudo "
    assert problem.hint == f"Install them with: {sudo}apt-get install fathom-absent1"


def test_fathom_exits_2_with_the_message_instead_of_qt_aborting(fake_plugin: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "desktop"],
        capture_output=True,
        text=True,
        env=_env(fake_plugin),
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("fathom: error: Fathom's window cannot open: Qt's X11 platform")
    assert ABSENT in proc.stderr
    assert f"Find the package that provides {ABSENT}" in proc.stderr  # in no known package
    assert "Traceback" not in proc.stderr and "Aborted" not in proc.stderr
    assert "qt.qpa" not in proc.stderr  # Qt never started


def test_a_copy_of_the_qt_plugin_without_its_qt_libraries_says_reinstall(tmp_path: Path) -> None:
    base = pyside_dir()
    assert base is not None
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    shutil.copy(base / "Qt" / "plugins" / "platforms" / "libqxcb.so", platforms / "libqxcb.so")
    problem = platform_problem(_env(platforms / "libqxcb.so"))  # $ORIGIN/../../lib is not there
    assert problem is not None
    assert "libQt6XcbQpa.so.6" in problem.missing
    assert "installation is incomplete" in problem.message
    assert problem.hint.startswith("Reinstall Fathom")


def test_the_installed_plugin_and_other_platforms() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    assert platform_name(env) == "xcb"
    assert platform_name({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert platform_name({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert platform_name({"QT_QPA_PLATFORM": "xcb:nograb;wayland"}) == "xcb"
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}) is None  # not the X11 plugin
    # What .ci/setup made sure of: nothing is missing for the installed X11 plugin.
    assert platform_problem(env) is None, platform_problem(env)


def test_the_command_line_prints_packages_for_setup_and_the_deb(fake_plugin: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desktop.gui.platform_check", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    depends = run("--depends")
    assert depends.returncode == 0, depends.stderr
    packages = depends.stdout.strip().split(", ")
    for wanted in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"):
        assert wanted in packages
    assert not any(p.startswith("libqt6") for p in packages)
    missing = run("--missing-packages", "--plugin", str(fake_plugin))
    assert missing.returncode == 0 and missing.stdout.strip() == ""
    assert f"no package known for {ABSENT}" in missing.stderr
