"""Can Qt's platform plugin load here? Asked before any Qt import, with ``ldd``.

On Linux the window goes through Qt's X11 plugin (``platforms/libqxcb.so``), which links
some twenty system libraries (libxcb's utility libraries, libxkbcommon-x11, ...). When
one is missing, Qt prints a paragraph about plugins and aborts the process. Fathom runs
``ldd`` on the plugin first instead: its "not found" lines are the libraries the dynamic
loader would not find (it honours ``LD_LIBRARY_PATH`` as the loader does), and each
maps to the Debian package that provides it.

``python -m desktop.gui.platform_check --missing-packages`` prints the packages to
install (``.ci/setup`` uses it); ``--depends`` prints the packages the X11 plugin needs
from the system, for a ``.deb``'s ``Depends`` (``packaging/build_linux.sh``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The libraries Qt's X11 and Wayland plugins and the Qt libraries under them link from the
# system (as `ldd` lists them, transitive ones included), and the Debian package of each.
# Names are Debian 12's; on newer releases the renamed (t64) packages provide these names.
DEBIAN_PACKAGES: dict[str, str] = {
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libpng16.so.16": "libpng16-16",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libexpat.so.1": "libexpat1",
    "libstdc++.so.6": "libstdc++6",
    "libgcc_s.so.1": "libgcc-s1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libffi.so.8": "libffi8",
    "libgssapi_krb5.so.2": "libgssapi-krb5-2",
}
# What the C library itself provides: versioned separately (libc6 (>= ...)) or always there.
LIBC = {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libresolv.so.2"}
# A line of ldd's output: "libfoo.so.1 => /lib/.../libfoo.so.1 (0x...)" or "=> not found".
_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")
LDD_TIMEOUT_S = 15


@dataclass(frozen=True)
class Linkage:
    """What ``ldd`` says of one file: every library it needs and those it cannot find."""

    needed: tuple[str, ...]
    missing: tuple[str, ...]


def pyside_dir() -> Path | None:
    """PySide6's package folder, found without importing it (nor Qt)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen and (Path(frozen) / "PySide6").is_dir():
        return Path(frozen) / "PySide6"
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def platform_name(environ: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first: QT_QPA_PLATFORM's first entry, else
    "wayland" in a Wayland session and "xcb" (X11) otherwise."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    return "wayland" if environ.get("WAYLAND_DISPLAY") else "xcb"


def plugin_file(name: str, environ: Mapping[str, str]) -> Path | None:
    """The plugin file Qt would load for platform ``name``: from QT_QPA_PLATFORM_PLUGIN_PATH
    first, then QT_PLUGIN_PATH, then PySide6's own plugins."""
    folders: list[Path] = []
    if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        folders.append(Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"]))
    for entry in environ.get("QT_PLUGIN_PATH", "").split(os.pathsep):
        if entry:
            folders.append(Path(entry) / "platforms")
    base = pyside_dir()
    if base is not None:
        folders.append(base / "Qt" / "plugins" / "platforms")
    for folder in folders:
        candidate = folder / f"libq{name}.so"
        if candidate.is_file():
            return candidate
    return None


def linkage(path: Path, environ: Mapping[str, str] | None = None) -> Linkage | None:
    """The libraries ``path`` needs, by ``ldd``; None when ldd is not there or fails."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        proc = subprocess.run(
            [ldd, str(path)],
            capture_output=True,
            text=True,
            timeout=LDD_TIMEOUT_S,
            env=dict(environ if environ is not None else os.environ),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    needed: dict[str, None] = {}
    missing: dict[str, None] = {}
    for line in proc.stdout.splitlines():
        m = _LDD_LINE.match(line)
        if m is None:
            continue
        needed[m.group(1)] = None
        if m.group(2) == "not found":
            missing[m.group(1)] = None
    if proc.returncode != 0 and not needed:
        return None  # "not a dynamic executable", or ldd itself failed: cannot tell
    return Linkage(tuple(needed), tuple(missing))


def packages_for(sonames: Sequence[str]) -> tuple[list[str], list[str]]:
    """(Debian packages providing these libraries, libraries no package is known for);
    Qt's own libraries and the C library are neither."""
    packages: dict[str, None] = {}
    unknown: list[str] = []
    for name in sonames:
        if name in LIBC or is_qt_library(name):
            continue
        if name in DEBIAN_PACKAGES:
            packages[DEBIAN_PACKAGES[name]] = None
        else:
            unknown.append(name)
    return list(packages), unknown


def is_qt_library(soname: str) -> bool:
    """Qt's own libraries and PySide6's, which come with Fathom rather than the system."""
    return soname.startswith(("libQt6", "libpyside6", "libshiboken6", "libicu"))


@dataclass(frozen=True)
class PlatformProblem:
    """Why Qt's platform plugin cannot load, for people: what is missing and the fix."""

    message: str
    hint: str
    missing: tuple[str, ...]
    packages: tuple[str, ...]


def describe(plugin: Path, missing: Sequence[str]) -> PlatformProblem:
    ours = [m for m in missing if is_qt_library(m)]
    if ours:
        return PlatformProblem(
            f"Fathom's installation is incomplete: Qt's platform plugin {plugin.name} needs "
            f"{', '.join(ours)}, which is not where it should be.",
            "Reinstall Fathom (in a checkout: bash .ci/setup).",
            tuple(missing),
            (),
        )
    packages, unknown = packages_for(missing)
    hint = ""
    if packages:
        sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
        if shutil.which("apt-get"):
            hint = f"Install them with: {sudo}apt-get install {' '.join(packages)}"
        else:
            listed = " ".join(packages)
            hint = f"Install the packages that provide them (on Debian and Ubuntu: {listed})."
    if unknown:
        extra = f"Find the package that provides {', '.join(unknown)} (apt-file search NAME)."
        hint = f"{hint} {extra}".strip()
    return PlatformProblem(
        "Fathom's window cannot open: Qt's X11 platform plugin needs system libraries "
        f"that are not installed: {', '.join(missing)}.",
        hint,
        tuple(missing),
        tuple(packages),
    )


def platform_problem(environ: Mapping[str, str] = os.environ) -> PlatformProblem | None:
    """What keeps Qt's X11 plugin from loading here, or None when it can load (or when
    this cannot be told: not Linux, another platform, no ldd, no plugin found)."""
    if not sys.platform.startswith("linux") or platform_name(environ) != "xcb":
        return None
    plugin = plugin_file("xcb", environ)
    if plugin is None:
        return None
    found = linkage(plugin, environ)
    if found is None or not found.missing:
        return None
    return describe(plugin, found.missing)


def qt_files(environ: Mapping[str, str] = os.environ) -> list[Path]:
    """What the window loads: the X11 and offscreen plugins and the Qt modules it imports."""
    files = [plugin_file(name, environ) for name in ("xcb", "offscreen")]
    base = pyside_dir()
    if base is not None:
        for module in ("QtGui", "QtWidgets", "QtPdf", "QtPdfWidgets"):
            files += sorted(base.glob(f"{module}.*.so"))
    return [f for f in files if f is not None]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m desktop.gui.platform_check")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--missing-packages",
        action="store_true",
        help="print the Debian packages of the system libraries Qt's window needs and lacks",
    )
    what.add_argument(
        "--depends",
        action="store_true",
        help="print the Debian packages Qt's X11 plugin needs, comma-separated (a .deb's Depends)",
    )
    parser.add_argument("--plugin", type=Path, help="the platform plugin to look at")
    args = parser.parse_args(argv)
    files = [args.plugin] if args.plugin else qt_files()
    if not files:
        print("platform_check: Qt's platform plugins were not found", file=sys.stderr)
        return 1
    names: dict[str, None] = {}
    for f in files if args.missing_packages else files[:1]:
        found = linkage(f)
        if found is None:
            print(f"platform_check: ldd cannot read {f}", file=sys.stderr)
            return 1
        names.update(dict.fromkeys(found.missing if args.missing_packages else found.needed))
    packages, unknown = packages_for(list(names))
    if args.missing_packages:
        if unknown:
            print(f"platform_check: no package known for {', '.join(unknown)}", file=sys.stderr)
        print(" ".join(packages))
    else:
        print(", ".join(packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
