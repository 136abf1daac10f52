"""What can be checked here of the installer recipes that only run on other systems.

The Windows installer (Inno Setup), the macOS app and disk image (hdiutil) and the CI
workflow that builds all three cannot run on this Linux machine. These tests check what
can be: the workflow is valid YAML with the three jobs and the right llama.cpp variants,
every repository file it names exists, the Inno Setup script installs exactly what the
PyInstaller spec produces, the scripts parse, and the icon files are well-formed.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from desktop.core.llm import llama_build

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
WORKFLOW = PACKAGING / "ci" / "build-installers.yml"
ISS = PACKAGING / "windows" / "fathom.iss"
SPEC = PACKAGING / "fathom.spec"
MACOS = PACKAGING / "macos" / "build_macos.sh"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def job_text(job: dict[str, Any]) -> str:
    return yaml.safe_dump(job)


def test_workflow_builds_all_three_with_their_llama_cpp_variant() -> None:
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "workflow_dispatch" in triggers
    jobs = wf["jobs"]
    assert set(jobs) == {"linux", "windows", "macos"}
    assert jobs["linux"]["runs-on"].startswith("ubuntu-")
    assert jobs["windows"]["runs-on"].startswith("windows-")
    assert jobs["macos"]["runs-on"].startswith("macos-")
    for name in ("linux", "windows"):
        assert jobs[name]["strategy"]["matrix"]["variant"] == ["cpu", "cuda"]
        text = job_text(jobs[name])
        assert "-DGGML_CUDA=on" in text and "-DGGML_NATIVE=OFF" in text
        # The CUDA architectures setup builds without a driver (the toolkit there is 12.6),
        # and no link to the driver, so the CUDA installers start without one.
        archs = llama_build.cuda_architectures((12, 6), native=False)
        assert f"-DCMAKE_CUDA_ARCHITECTURES={archs} " in text and "-DGGML_CUDA_NO_VMM=on" in text
    assert "build_linux.sh ${{ matrix.variant == 'cuda' && '--gpu cuda'" in job_text(jobs["linux"])
    assert "-DGGML_METAL=on" in job_text(jobs["macos"])
    for name, job in jobs.items():
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), (name, step)
        uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
        assert uploads, f"{name} uploads nothing"


def test_workflow_names_only_files_that_exist() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    named = {
        m.replace("\\", "/").rstrip(".,;:)`'\"")
        for m in re.findall(r"(?:packaging|tests|\.ci)[/\\][\w./\\-]+", text)
    }
    assert "packaging/build_linux.sh" in named and "packaging/windows/fathom.iss" in named
    missing = sorted(p for p in named if not (REPO / p).exists())
    assert not missing


def test_workflow_python_matches_the_project() -> None:
    assert workflow()["env"]["PYTHON_VERSION"] == "3.11"


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if re.fullmatch(r"\[\w+\]", line):
            current = line[1:-1]
            sections[current] = []
        elif current:
            sections[current].append(line)
    return sections


def iss_path(value: str) -> Path:
    """An .iss path with {#Root} (the repository, ..\\.. from the script) resolved."""
    assert value.startswith("{#Root}\\"), value
    return REPO.joinpath(*value.removeprefix("{#Root}\\").split("\\"))


def test_inno_setup_installs_what_the_spec_builds() -> None:
    sections = iss_sections()
    assert {"Setup", "Files", "Icons", "Code"} <= set(sections)
    assert '#define Root "..\\.."' in ISS.read_text(encoding="utf-8")
    assert (ISS.parent / ".." / "..").resolve() == REPO
    sources = [re.search(r'Source: "([^"]+)"', line) for line in sections["Files"]]
    paths = [iss_path(m.group(1)) for m in sources if m]
    bundle = REPO / "dist" / "fathom"
    assert {p.relative_to(bundle).as_posix() for p in paths} == {
        "fathom.exe",
        "fathomw.exe",
        "_internal/*",
    }
    spec = SPEC.read_text(encoding="utf-8")
    # The spec's executables (on Windows fathom.exe and fathomw.exe) and its folder.
    assert '_exe("fathom", console=not MACOS)' in spec
    assert 'executables.append(_exe("fathomw", console=False))' in spec
    assert re.search(r'COLLECT\([^)]*name="fathom"', spec, re.S)
    # PyInstaller 6 puts everything but the executables in _internal/.
    import PyInstaller

    assert PyInstaller.__version__.split(".")[0] == "6"
    if (bundle / "fathom").exists():
        assert (bundle / "_internal").is_dir()
    for section in ("Icons", "Run"):
        assert all("fathomw.exe" in line for line in sections[section])
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert iss_path(setup["SetupIconFile"]) == REPO / "build" / "icons" / "fathom.ico"
    assert iss_path(setup["OutputDir"]) == REPO / "dist"


def test_the_spec_is_python_and_names_the_icons_make_icons_writes() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    compile(spec, str(SPEC), "exec")
    assert 'ROOT / "build" / "icons" / "fathom.ico"' in spec
    assert 'ROOT / "build" / "icons" / "fathom.icns"' in spec
    assert 'name="Fathom.app"' in spec
    script = MACOS.read_text(encoding="utf-8")
    assert "app=dist/Fathom.app" in script and "Contents/MacOS/fathom" in script
    assert "hdiutil create" in script and "-DGGML_METAL=on" in script


@pytest.mark.parametrize("script", ["build_linux.sh", "macos/build_macos.sh"])
def test_shell_scripts_parse(script: str) -> None:
    proc = subprocess.run(
        ["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_the_deb_recipe_installs_existing_resources() -> None:
    script = (PACKAGING / "build_linux.sh").read_text(encoding="utf-8")
    for path in ("resources/fathom.desktop", "resources/icons/fathom.svg"):
        assert path in script and (REPO / path).is_file()
    desktop = (REPO / "resources" / "fathom.desktop").read_text(encoding="utf-8")
    assert "Exec=fathom" in desktop and "Icon=fathom" in desktop
    assert "ln -s /opt/fathom/fathom" in script


def test_make_icons_writes_well_formed_ico_and_icns(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(PACKAGING / "make_icons.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr

    ico = (tmp_path / "fathom.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, 7)
    sizes = set()
    for i in range(count):
        w, _h, _c, _r, _planes, _bpp, length, offset = struct.unpack_from(
            "<BBBBHHII", ico, 6 + 16 * i
        )
        assert ico[offset : offset + 8] == PNG_MAGIC and offset + length <= len(ico)
        sizes.add(w or 256)
    assert {16, 32, 48, 256} <= sizes

    icns = (tmp_path / "fathom.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack_from(">I", icns, 4)[0] == len(icns)
    pos, kinds = 8, []
    while pos < len(icns):
        kind_b, length = icns[pos : pos + 4], struct.unpack_from(">I", icns, pos + 4)[0]
        assert icns[pos + 8 : pos + 16] == PNG_MAGIC
        kinds.append(kind_b)
        pos += length
    assert pos == len(icns) and b"ic10" in kinds  # 1024 px, for Retina


def test_smoke_test_script_runs_with_the_standard_library_only() -> None:
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(PACKAGING / "smoke_test.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "--embedding" in proc.stdout, proc.stderr
