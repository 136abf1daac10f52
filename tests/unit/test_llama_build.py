"""Which llama.cpp build `.ci/setup` and the installers make: detection on faked machines."""

from __future__ import annotations

import fnmatch
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core.llm import llama_build as lb

REPO = Path(__file__).resolve().parents[2]
SITE = "/venv/lib/python3.11/site-packages"
NVCC_13 = "Cuda compilation tools, release 13.0, V13.0.88"


def machine(
    files: dict[str, str] | None = None,
    path: dict[str, str] | None = None,
    libs: dict[str, str] | None = None,
    system: str = "Linux",
    arch: str = "x86_64",
    env: dict[str, str] | None = None,
    nvcc_says: str = NVCC_13,
) -> lb.Probe:
    """A machine with these files (path -> text), programs on PATH and loadable libraries."""
    files = dict(files or {})
    probe = lb.Probe(
        system=system,
        machine=arch,
        exists=lambda p: p in files,
        which=lambda n: (path or {}).get(n),
        glob=lambda pattern: sorted(f for f in files if fnmatch.fnmatch(f, pattern)),
        find_library=lambda n: (libs or {}).get(n),
        environ=dict(env or {}),
        site_packages=SITE,
    )
    probe.read = lambda p: files.get(p, "")  # type: ignore[method-assign]
    probe.run = lambda argv: nvcc_says if argv[-1] == "--version" else ""  # type: ignore[method-assign]
    return probe


CUDA_13 = {
    "/usr/local/cuda-13.0/bin/nvcc": "",
    "/usr/local/cuda-13.0/include/cuda_runtime.h": "",
    "/usr/local/cuda/bin/nvcc": "",
    "/usr/local/cuda/include/cuda_runtime.h": "",
}
COMPILER = {"c++": "/usr/bin/c++"}
DRIVER = {"/proc/driver/nvidia/version": "NVRM version: 580.65"}


def cmake_args(plan: lb.Plan) -> dict[str, str]:
    return dict(a.split("=", 1) for a in shlex.split(plan.cmake_args))


def test_no_gpu_at_all_builds_for_the_cpu() -> None:
    plan = lb.plan("auto", machine(path=COMPILER))
    assert (plan.backend, plan.cmake_args, plan.requirements) == ("cpu", lb.CPU_ARGS, [])
    assert "cuda: no CUDA toolkit" in plan.reason


def test_a_cuda_toolkit_without_a_driver_is_not_chosen_by_itself() -> None:
    # This machine: nvcc, no driver. Detection keeps the CPU and says why.
    plan = lb.plan("auto", machine(CUDA_13, path=COMPILER))
    assert plan.backend == "cpu"
    assert "cuda: buildable, but no device for it here (no driver)" in plan.reason


@pytest.mark.parametrize(
    "driver",
    [
        {"files": DRIVER},
        {"path": {"nvidia-smi": "/usr/bin/nvidia-smi"}},
        {"libs": {"cuda": "libcuda.so.1"}},
    ],
)
def test_a_driver_and_a_toolkit_build_cuda_for_the_gpu_here(
    driver: dict[str, dict[str, str]],
) -> None:
    files = {**CUDA_13, **driver.get("files", {})}
    paths = {**COMPILER, **driver.get("path", {})}
    plan = lb.plan("auto", machine(files, paths, driver.get("libs")))
    args = cmake_args(plan)
    assert plan.backend == "cuda" and plan.source == "auto"
    assert args["-DGGML_CUDA"] == "on"
    assert args["-DCMAKE_CUDA_ARCHITECTURES"] == "native"
    assert args["-DGGML_NATIVE"] == "OFF"  # the CPU part stays portable


def test_a_forced_cuda_build_without_driver_gets_the_deliberate_list_and_no_libcuda() -> None:
    plan = lb.plan("cuda", machine(CUDA_13, path=COMPILER))
    args = cmake_args(plan)
    assert plan.backend == "cuda" and plan.source == "--gpu"
    assert args["-DCMAKE_CUDA_ARCHITECTURES"] == "75-real;80-virtual;86-real;120a-real"
    # Not linked to the driver, so the library loads (and answers on the CPU) without one.
    assert args["-DGGML_CUDA_NO_VMM"] == "on"
    assert "no NVIDIA driver here" in plan.reason


def test_the_person_can_build_cuda_for_fewer_gpus() -> None:
    env = {"FATHOM_CUDA_ARCHITECTURES": " 86-real "}
    for files in (CUDA_13, {**CUDA_13, **DRIVER}):
        plan = lb.plan("cuda", machine(files, path=COMPILER, env=env))
        assert cmake_args(plan)["-DCMAKE_CUDA_ARCHITECTURES"] == "86-real"
    assert (
        "built for FATHOM_CUDA_ARCHITECTURES=86-real"
        in lb.plan("cuda", machine(CUDA_13, path=COMPILER, env=env)).reason
    )
    other = lb.plan("cuda", machine(CUDA_13, path=COMPILER))
    assert other.key != lb.plan("cuda", machine(CUDA_13, path=COMPILER, env=env)).key


def test_cuda_12_before_12_8_leaves_blackwell_out() -> None:
    plan = lb.plan("cuda", machine(CUDA_13, path=COMPILER, nvcc_says="release 12.4, V12.4.131"))
    assert cmake_args(plan)["-DCMAKE_CUDA_ARCHITECTURES"] == "75-real;80-virtual;86-real"
    assert plan.requirements == ["nvidia-cublas-cu12==12.4.*", "nvidia-cuda-runtime-cu12==12.4.*"]
    rpath = cmake_args(plan)["-DCMAKE_SHARED_LINKER_FLAGS"]
    assert rpath == (
        r"-Wl,-rpath,\$ORIGIN/../../nvidia/cublas/lib:\$ORIGIN/../../nvidia/cuda_runtime/lib"
    )


def test_without_the_toolkits_cublas_the_wheel_is_installed_and_found_at_run_time() -> None:
    plan = lb.plan("cuda", machine(CUDA_13, path=COMPILER))
    args = cmake_args(plan)
    lib = f"{SITE}/nvidia/cu13/lib"
    assert plan.requirements == ["nvidia-cublas==13.0.*", "nvidia-cuda-runtime==13.0.*"]
    assert args["-DCUDA_cublas_LIBRARY"] == f"{lib}/libcublas.so.13"
    assert args["-DCUDA_cublasLt_LIBRARY"] == f"{lib}/libcublasLt.so.13"
    assert args["-DCMAKE_CUDA_FLAGS"] == f"-I{SITE}/nvidia/cu13/include"
    # llama_cpp/lib/libggml-cuda.so finds site-packages/nvidia/cu13/lib wherever the venv is.
    assert args["-DCMAKE_SHARED_LINKER_FLAGS"] == r"-Wl,-rpath,\$ORIGIN/../../nvidia/cu13/lib"
    # The build's name leaves the venv's path out: two venvs share the cached wheel.
    other = lb.plan("cuda", machine(CUDA_13, path=COMPILER))
    assert other.key == plan.key and plan.key.startswith("cuda-")


def test_the_toolkits_own_cublas_needs_no_wheel() -> None:
    files = {**CUDA_13, "/usr/local/cuda/lib64/libcublas.so.13": "", **DRIVER}
    plan = lb.plan("auto", machine(files, COMPILER, {"cuda": "libcuda.so.1"}))
    assert plan.backend == "cuda" and plan.requirements == []
    assert "-DCUDA_cublas_LIBRARY" not in cmake_args(plan)
    assert "-DGGML_CUDA_NO_VMM" not in cmake_args(plan)  # a driver to link against


def test_nvcc_on_path_that_is_a_wrapper_leads_to_the_toolkit() -> None:
    files = {**CUDA_13, "/usr/local/bin/nvcc": ""}
    plan = lb.plan("cuda", machine(files, {**COMPILER, "nvcc": "/usr/local/bin/nvcc"}))
    assert cmake_args(plan)["-DCMAKE_CUDA_COMPILER"] == "/usr/local/cuda/bin/nvcc"


def test_forced_cuda_without_a_toolkit_names_it_and_how_to_install() -> None:
    with pytest.raises(lb.NotBuildableError) as err:
        lb.plan("cuda", machine(DRIVER, COMPILER))
    text = str(err.value)
    assert "no CUDA toolkit" in text and "cuda-downloads" in text


OLD_VULKAN = "#define VK_HEADER_VERSION 239\n"
NEW_VULKAN = (
    "#define VK_HEADER_VERSION 309\n"
    "#define VK_HEADER_VERSION_COMPLETE VK_MAKE_API_VERSION(0, 1, 4, VK_HEADER_VERSION)\n"
    "#define VK_EXT_layer_settings 1\n"
)
VK_HEADER = "/usr/include/vulkan/vulkan_core.h"


def test_debian_12s_vulkan_headers_are_too_old_and_it_says_so() -> None:
    files = {VK_HEADER: OLD_VULKAN, "/dev/dri/renderD128": ""}
    probe = machine(files, {**COMPILER, "glslc": "/usr/bin/glslc"}, {"vulkan": "libvulkan.so.1"})
    assert lb.plan("auto", probe).backend == "cpu"
    with pytest.raises(lb.NotBuildableError) as err:
        lb.plan("vulkan", probe)
    assert "1.3.239" in str(err.value) and "VK_EXT_layer_settings" in str(err.value)


def test_vulkan_with_new_headers_glslc_and_a_gpu_is_chosen() -> None:
    files = {VK_HEADER: NEW_VULKAN, "/dev/dri/renderD128": ""}
    probe = machine(files, {**COMPILER, "glslc": "/usr/bin/glslc"}, {"vulkan": "libvulkan.so.1"})
    plan = lb.plan("auto", probe)
    assert plan.backend == "vulkan" and cmake_args(plan)["-DGGML_VULKAN"] == "on"
    assert "headers 1.4.309" in plan.reason


def test_vulkan_lists_every_missing_part_with_its_package() -> None:
    with pytest.raises(lb.NotBuildableError) as err:
        lb.plan("vulkan", machine(path=COMPILER))
    text = str(err.value)
    for package in ("libvulkan1", "libvulkan-dev", "glslc"):
        assert f"apt-get install {package}" in text


def test_cuda_wins_over_vulkan_and_metal_wins_on_apple_silicon() -> None:
    files = {**CUDA_13, **DRIVER, VK_HEADER: NEW_VULKAN, "/dev/dri/renderD128": ""}
    paths = {**COMPILER, "glslc": "/usr/bin/glslc"}
    assert lb.plan("auto", machine(files, paths, {"vulkan": "libvulkan.so.1"})).backend == "cuda"
    mac = lb.plan("auto", machine(path={"c++": "/usr/bin/c++"}, system="Darwin", arch="arm64"))
    assert mac.backend == "metal" and cmake_args(mac)["-DGGML_METAL"] == "on"
    intel_mac = lb.plan("auto", machine(path=COMPILER, system="Darwin", arch="x86_64"))
    assert intel_mac.backend == "cpu"
    with pytest.raises(lb.NotBuildableError, match="Apple silicon"):
        lb.plan("metal", machine(path=COMPILER))


def test_the_persons_cmake_args_win() -> None:
    env = {"CMAKE_ARGS": "-DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=89"}
    plan = lb.plan("cpu", machine(path=COMPILER, env=env))
    assert (plan.backend, plan.cmake_args, plan.source) == ("cuda", env["CMAKE_ARGS"], "CMAKE_ARGS")
    assert lb.plan("auto", machine(env={"CMAKE_ARGS": "-DGGML_BLAS=ON"})).backend == "cpu"


def test_installed_backend_is_read_from_the_libraries_the_build_ships(tmp_path: Path) -> None:
    lib = tmp_path / "llama_cpp" / "lib"
    assert lb.installed_backend(lib) == "none"
    lib.mkdir(parents=True)
    (lib / "libggml-cpu.so").touch()
    assert lb.installed_backend(lib) == "cpu"
    (lib / "libggml-cuda.so").touch()
    assert lb.installed_backend(lib) == "cuda"


def test_the_script_runs_with_the_standard_library_only() -> None:
    # .ci/setup runs it before anything but pip is in the venv.
    script = REPO / "desktop" / "core" / "llm" / "llama_build.py"
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "plan", "--gpu", "cpu"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    values = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert values["llama_backend"] == "cpu" and values["llama_source"] == "--gpu"
    bad = subprocess.run(
        [sys.executable, "-I", "-S", str(script), "plan", "--gpu", "metal"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    if sys.platform != "darwin":
        assert bad.returncode == 2 and "Apple silicon" in bad.stderr


def test_doctor_says_why_a_gpu_build_found_no_device(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "libggml-cuda.so").touch()
    no_driver = machine(CUDA_13, COMPILER)
    assert "no NVIDIA driver is installed" in lb.no_device_reason("cuda", no_driver)
    hidden = machine(DRIVER, COMPILER, env={"CUDA_VISIBLE_DEVICES": ""})
    assert "hides every GPU" in lb.no_device_reason("cuda", hidden)
    shown = machine(DRIVER, COMPILER, env={"CUDA_VISIBLE_DEVICES": "0,1"})
    assert lb.no_device_reason("cuda", shown) == (
        "the NVIDIA driver is installed but reports no usable GPU (see nvidia-smi)"
    )
    old = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023"
    too_old = machine({"/proc/driver/nvidia/version": old}, COMPILER)
    assert lb.nvidia_driver_version(too_old) == "535.104.05"
    assert lb.no_device_reason("cuda", too_old).startswith(
        "the NVIDIA driver 535.104.05 may be too old for this build (CUDA 13 builds need 580"
    )
    assert lb.nvidia_driver_version(machine(path={"nvidia-smi": "/usr/bin/nvidia-smi"})) is None
    assert "render device" in lb.no_device_reason("vulkan", machine())
    found = lb.describe_build(lib, gpu_offload=True)
    assert found["backend"] == "cuda" and found["device"] is True and "why" not in found
    (lib / "libggml-cuda.so").unlink()
    assert lb.describe_build(lib, gpu_offload=False)["backend"] == "cpu"


def test_ggmls_no_cuda_device_line_is_quiet_only_without_a_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.core.llm import llama_cpp

    line = "ggml_cuda_init: failed to initialize CUDA: CUDA driver version is insufficient"
    monkeypatch.setattr(lb, "nvidia_driver", lambda probe: None)
    assert llama_cpp._expected(line)
    assert not llama_cpp._expected("llama_model_load: error loading model")
    monkeypatch.setattr(lb, "nvidia_driver", lambda probe: "nvidia-smi")
    assert not llama_cpp._expected(line)  # a driver older than the build: it shows
