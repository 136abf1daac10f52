"""Which llama.cpp backend this machine can build, and the CMake arguments for it.

Standard library only: `.ci/setup` runs it with the venv's Python before anything else is
installed, and `packaging/build_linux.sh` with the same venv. Usage:

    python desktop/core/llm/llama_build.py plan [--gpu auto|cuda|vulkan|metal|cpu]
    python desktop/core/llm/llama_build.py installed

`plan` prints shell assignments (`backend=cuda`, `cmake_args=...`, ...) for `eval`, or
exits 2 with what is missing and the command that installs it. `installed` prints the
backend of the llama-cpp-python build in this Python's site-packages (the libggml-*
libraries it ships), as `fathom doctor` reports it.

Detection, in order (`auto`): Metal on Apple silicon; CUDA when an NVIDIA driver is
present (`/proc/driver/nvidia/version`, `nvidia-smi` or `libcuda.so.1`) and a toolkit
is found (`nvcc` on PATH or under `/usr/local/cuda*`); Vulkan when the loader, headers
with `VK_EXT_layer_settings` and `glslc` are there; the CPU otherwise. A CMAKE_ARGS set
by the person wins over all of it.
"""

from __future__ import annotations

import argparse
import ctypes.util
import glob
import hashlib
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BACKENDS = ("cuda", "vulkan", "metal", "cpu")
# Every build is for any CPU of its architecture: a build tuned to the build machine's
# CPU crashes on some machines at the first decode, and is wrong for installers.
CPU_ARGS = "-DGGML_NATIVE=OFF"

# GPUs a CUDA build covers when it cannot ask the GPU (installers, forced builds, no
# driver yet). CUDA 13 dropped Maxwell, Pascal and Volta (sm_50-70), so Turing is the
# oldest. Real code (SASS) runs on its own architecture and later minor versions of the
# same major one; PTX is compiled by the driver on first use for any later GPU.
#   75-real    Turing: RTX 20xx, GTX 16xx, T4, Quadro RTX
#   80-virtual PTX for A100 (sm_80), H100/H200 (sm_90), B200 (sm_100) and GPUs to come
#   86-real    Ampere and Ada: RTX 30xx, A10/A40/RTX A-series, and (same major) RTX 40xx, L4, L40
#   120a-real  Blackwell desktop: RTX 50xx, RTX PRO Blackwell (its FP4 tensor cores, for MXFP4)
# Four targets instead of llama.cpp's seven: every target compiles each kernel again.
CUDA_ARCHS = ("75-real", "80-virtual", "86-real")
CUDA_ARCHS_BLACKWELL = ("120a-real",)  # CUDA 12.8 and newer


@dataclass
class Probe:
    """What detection looks at, so that tests can fake the machine."""

    system: str = field(default_factory=platform.system)
    machine: str = field(default_factory=platform.machine)
    exists: Callable[[str], bool] = os.path.exists
    which: Callable[[str], str | None] = shutil.which
    glob: Callable[[str], list[str]] = glob.glob
    find_library: Callable[[str], str | None] = ctypes.util.find_library
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    site_packages: str = field(default_factory=lambda: sysconfig.get_paths()["purelib"])

    def read(self, path: str) -> str:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def run(self, argv: Sequence[str]) -> str:
        try:
            done = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout + done.stderr


@dataclass
class Finding:
    """Whether one backend can be built here; what is missing and how to install it."""

    backend: str
    buildable: bool
    reason: str
    missing: list[str] = field(default_factory=list)
    install: list[str] = field(default_factory=list)
    device: bool = False  # a device for it was found (driver present)
    cmake_args: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # pip packages the build needs


@dataclass
class Plan:
    backend: str
    reason: str
    cmake_args: str
    requirements: list[str]
    forced: bool
    source: str  # "auto", "--gpu" or "CMAKE_ARGS"

    @property
    def key(self) -> str:
        """Names the build: backend and arguments, paths into the venv left out."""
        site = sysconfig.get_paths()["purelib"]
        normal = self.cmake_args.replace(site, "<site-packages>")
        return f"{self.backend}-{hashlib.sha256(normal.encode()).hexdigest()[:10]}"


# --- CUDA --------------------------------------------------------------------------------


def nvidia_driver(probe: Probe) -> str | None:
    """How an NVIDIA driver shows itself here, or None."""
    if probe.exists("/proc/driver/nvidia/version"):
        return "/proc/driver/nvidia/version"
    if probe.which("nvidia-smi"):
        return "nvidia-smi"
    if probe.system == "Windows" and probe.exists(r"C:\Windows\System32\nvcuda.dll"):
        return "nvcuda.dll"
    if probe.system == "Linux" and probe.find_library("cuda"):
        return "libcuda.so.1"
    return None


def cuda_toolkit(probe: Probe) -> tuple[str, str] | None:
    """(toolkit root, nvcc): $CUDA_PATH/$CUDA_HOME, nvcc on PATH, else /usr/local/cuda*.

    A toolkit root has bin/nvcc and include/cuda_runtime.h; an nvcc on PATH that is a
    wrapper script elsewhere (no headers beside it) leads to the /usr/local ones.
    """
    candidates = [probe.environ.get("CUDA_PATH", ""), probe.environ.get("CUDA_HOME", "")]
    nvcc = probe.which("nvcc")
    if nvcc:
        candidates.append(str(Path(os.path.realpath(nvcc)).parent.parent))
    candidates += ["/usr/local/cuda", *sorted(probe.glob("/usr/local/cuda-*"), reverse=True)]
    for root in filter(None, candidates):
        nvcc = os.path.join(root, "bin", "nvcc")
        if probe.exists(nvcc) and probe.exists(os.path.join(root, "include", "cuda_runtime.h")):
            return root, nvcc
    return None


def cuda_version(probe: Probe, nvcc: str) -> tuple[int, int] | None:
    match = re.search(r"release (\d+)\.(\d+)", probe.run([nvcc, "--version"]))
    return (int(match[1]), int(match[2])) if match else None


def cuda_architectures(version: tuple[int, int], native: bool, chosen: str = "") -> str:
    """``chosen`` (FATHOM_CUDA_ARCHITECTURES) wins: a build for one GPU compiles each
    kernel once instead of four times."""
    if chosen.strip():
        return chosen.strip()
    if native:
        return "native"
    archs = list(CUDA_ARCHS)
    if version >= (12, 8):
        archs += CUDA_ARCHS_BLACKWELL
    return ";".join(archs)


def cublas_wheel(version: tuple[int, int], site: str) -> tuple[list[str], str, list[str]]:
    """(pip requirements, include dir, lib dirs) of NVIDIA's cuBLAS and runtime wheels.

    The CUDA runtime wheel too, so that the venv finds libcudart beside cuBLAS even where
    the toolkit's lib folder is not on the loader's path.
    """
    major, minor = version
    if major >= 13:
        base = os.path.join(site, "nvidia", f"cu{major}")
        wheels = [f"nvidia-cublas=={major}.{minor}.*", f"nvidia-cuda-runtime=={major}.{minor}.*"]
        return wheels, f"{base}/include", [f"{base}/lib"]
    base = os.path.join(site, "nvidia")
    wheels = [
        f"nvidia-cublas-cu{major}=={major}.{minor}.*",
        f"nvidia-cuda-runtime-cu{major}=={major}.{minor}.*",
    ]
    return wheels, f"{base}/cublas/include", [f"{base}/cublas/lib", f"{base}/cuda_runtime/lib"]


def find_cuda(probe: Probe) -> Finding:
    driver = nvidia_driver(probe)
    toolkit = cuda_toolkit(probe)
    if toolkit is None:
        return Finding(
            "cuda",
            False,
            "no CUDA toolkit (nvcc is not on PATH, no /usr/local/cuda*/bin/nvcc)",
            missing=["the CUDA toolkit (nvcc, CUDA runtime headers)"],
            install=[
                "NVIDIA's CUDA toolkit 12.x or 13.x: https://developer.nvidia.com/cuda-downloads",
                "(or, Debian/Ubuntu with non-free: sudo apt-get install nvidia-cuda-toolkit)",
            ],
            device=driver is not None,
        )
    root, nvcc = toolkit
    version = cuda_version(probe, nvcc)
    if version is None:
        return Finding(
            "cuda",
            False,
            f"{nvcc} --version did not say which CUDA it is",
            missing=["a working nvcc"],
            install=["reinstall the CUDA toolkit"],
        )
    if probe.system != "Windows" and not probe.which("c++") and not probe.which("g++"):
        return Finding(
            "cuda",
            False,
            "no C++ compiler",
            missing=["a C++ compiler"],
            install=["sudo apt-get install build-essential"],
        )
    where = f"CUDA {version[0]}.{version[1]} at {root}"
    chosen = probe.environ.get("FATHOM_CUDA_ARCHITECTURES", "").strip()
    args = [
        "-DGGML_CUDA=on",
        f"-DCUDAToolkit_ROOT={root}",
        f"-DCMAKE_CUDA_COMPILER={nvcc}",
        f"-DCMAKE_CUDA_ARCHITECTURES={cuda_architectures(version, driver is not None, chosen)}",
    ]
    # Linking libcuda (the driver) directly makes the library fail to load where there is
    # no driver; without VMM, ggml reaches the driver only through the CUDA runtime, so a
    # CUDA build still starts, and answers on the CPU, on a machine without a GPU.
    stubs = probe.glob(f"{root}/lib*/stubs/libcuda.so") + probe.glob(
        f"{root}/targets/*/lib/stubs/libcuda.so"
    )
    if driver is None or not (stubs or probe.find_library("cuda")):
        args.append("-DGGML_CUDA_NO_VMM=on")
    requirements: list[str] = []
    toolkit_cublas = (
        probe.glob(f"{root}/lib*/libcublas.so*")
        + probe.glob(f"{root}/targets/*/lib/libcublas.so*")
        + probe.glob(f"{root}/lib/x64/cublas.lib")
    )
    if toolkit_cublas:
        blas = "the toolkit's cuBLAS"
    else:
        wheels, include, libs = cublas_wheel(version, probe.site_packages)
        requirements += wheels
        blas = f"cuBLAS from the {wheels[0].split('==')[0]} wheel"
        soname = str(version[0])  # the wheels have libcublas.so.12 / .13, no libcublas.so
        # llama_cpp/lib/ -> site-packages/nvidia/...: found in the venv at run time.
        # `\$` is a `$` after the shell that make or ninja runs (CMake escapes it for them).
        rpath = ":".join(
            "\\$ORIGIN/../../" + os.path.relpath(lib, probe.site_packages) for lib in libs
        )
        args += [
            f"-DCUDA_cublas_LIBRARY={libs[0]}/libcublas.so.{soname}",
            f"-DCUDA_cublasLt_LIBRARY={libs[0]}/libcublasLt.so.{soname}",
            f"-DCMAKE_CUDA_FLAGS=-I{include}",
            f"-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-rpath,{rpath}",
        ]
    if driver:
        reason = f"an NVIDIA driver ({driver}) and {where}, {blas}"
    else:
        reason = (
            f"{where}, {blas}; no NVIDIA driver here (no /proc/driver/nvidia/version, "
            "nvidia-smi or libcuda.so.1), so it is built for "
            + (f"FATHOM_CUDA_ARCHITECTURES={chosen}" if chosen else "the usual GPUs")
            + " and answers on the CPU until a driver is installed"
        )
    return Finding(
        "cuda", True, reason, device=driver is not None, cmake_args=args, requirements=requirements
    )


# --- Vulkan ------------------------------------------------------------------------------


def vulkan_headers(probe: Probe) -> tuple[str, str, bool] | None:
    """(vulkan_core.h, its version such as 1.3.239, has VK_EXT_layer_settings) or None."""
    roots = [probe.environ.get("VULKAN_SDK", ""), "/usr", "/usr/local", "/opt/homebrew"]
    for root in roots:
        if not root:
            continue
        header = os.path.join(root, "include", "vulkan", "vulkan_core.h")
        if probe.exists(header):
            text = probe.read(header)
            patch = re.search(r"#define VK_HEADER_VERSION (\d+)", text)
            api = re.search(
                r"VK_HEADER_VERSION_COMPLETE VK_MAKE_API_VERSION\(0, (\d+), (\d+),", text
            )
            version = ".".join([*(api.groups() if api else ("1", "3")), patch[1] if patch else "?"])
            return header, version, "VK_EXT_layer_settings" in text
    return None


def find_vulkan(probe: Probe) -> Finding:
    missing: list[str] = []
    install: list[str] = []
    loader = probe.find_library("vulkan") or probe.find_library("vulkan-1")
    if not loader:
        missing.append("the Vulkan loader (libvulkan.so.1)")
        install.append("sudo apt-get install libvulkan1 mesa-vulkan-drivers")
    headers = vulkan_headers(probe)
    if headers is None:
        missing.append("the Vulkan headers (vulkan/vulkan_core.h)")
        install.append("sudo apt-get install libvulkan-dev spirv-headers")
    elif not headers[2]:
        missing.append(
            f"Vulkan headers new enough for llama.cpp ({headers[0]} is {headers[1]}, "
            "without VK_EXT_layer_settings; llama.cpp's vk::LayerSettingEXT "
            "needs 1.3.261 or newer)"
        )
        install.append(
            "the LunarG Vulkan SDK (https://vulkan.lunarg.com/sdk/home), then "
            "export VULKAN_SDK=<its x86_64 folder>; Debian 13's libvulkan-dev "
            "(1.4.309) is new enough"
        )
    sdk_glslc = os.path.join(probe.environ.get("VULKAN_SDK", "/nonexistent"), "bin", "glslc")
    glslc = probe.which("glslc") or (sdk_glslc if probe.exists(sdk_glslc) else None)
    if not glslc:
        missing.append("the shader compiler glslc")
        install.append("sudo apt-get install glslc")
    if missing or headers is None:
        return Finding("vulkan", False, "missing " + "; ".join(missing), missing, install)
    gpu = probe.glob("/dev/dri/renderD*") or probe.system != "Linux"
    return Finding(
        "vulkan",
        True,
        f"the Vulkan loader ({loader}), headers {headers[1]} and glslc",
        device=bool(gpu),
        cmake_args=["-DGGML_VULKAN=on"],
    )


# --- Metal and the choice ----------------------------------------------------------------


def find_metal(probe: Probe) -> Finding:
    if probe.system == "Darwin" and probe.machine == "arm64":
        return Finding(
            "metal", True, "macOS on Apple silicon", device=True, cmake_args=["-DGGML_METAL=on"]
        )
    here = f"{probe.system} on {probe.machine}"
    return Finding(
        "metal",
        False,
        f"Metal needs macOS on Apple silicon; this is {here}",
        missing=["a Mac with Apple silicon"],
        install=["--gpu cpu, cuda or vulkan"],
    )


def find(backend: str, probe: Probe) -> Finding:
    if backend == "cuda":
        return find_cuda(probe)
    if backend == "vulkan":
        return find_vulkan(probe)
    if backend == "metal":
        return find_metal(probe)
    return Finding("cpu", True, "the CPU", device=True)


def backend_of_args(args: str) -> str:
    for name, flag in (("cuda", "GGML_CUDA"), ("vulkan", "GGML_VULKAN"), ("metal", "GGML_METAL")):
        if re.search(rf"-D{flag}(:BOOL)?=(on|1|true|yes)\b", args, re.IGNORECASE):
            return name
    return "cpu"


class NotBuildableError(Exception):
    pass


def plan(requested: str, probe: Probe) -> Plan:
    """The build to make: the person's CMAKE_ARGS, else --gpu, else the best one found."""
    person = probe.environ.get("CMAKE_ARGS", "").strip()
    if person:
        backend = backend_of_args(person)
        return Plan(backend, f"CMAKE_ARGS is set ({person})", person, [], True, "CMAKE_ARGS")
    if requested != "auto":
        found = find(requested, probe)
        if not found.buildable:
            lines = [f"--gpu {requested}: cannot build llama.cpp for it here: {found.reason}."]
            for what, how in zip(found.missing, found.install, strict=False):
                lines.append(f"  missing {what}; install: {how}")
            raise NotBuildableError("\n".join(lines))
        return Plan(
            found.backend, found.reason, args_text(found), found.requirements, True, "--gpu"
        )
    order = ["metal", "cuda", "vulkan"]
    skipped: list[str] = []
    for backend in order:
        found = find(backend, probe)
        if found.buildable and found.device:
            return Plan(backend, found.reason, args_text(found), found.requirements, False, "auto")
        if backend != "metal" or probe.system == "Darwin":
            why = (
                found.reason
                if not found.buildable
                else f"buildable, but no device for it here (no driver); --gpu {backend} builds it"
            )
            skipped.append(f"{backend}: {why}")
    return Plan(
        "cpu",
        "no GPU backend usable here (" + "; ".join(skipped) + ")",
        CPU_ARGS,
        [],
        False,
        "auto",
    )


def args_text(found: Finding) -> str:
    return " ".join(shlex.quote(a) for a in [*found.cmake_args, CPU_ARGS])


def installed_backend(lib_dir: str | Path | None = None) -> str:
    """The backend of the installed llama-cpp-python build, from the libraries it ships.

    `lib_dir` is llama_cpp's `lib` folder (in the venv or a frozen app); by default the one
    in this Python's site-packages.
    """
    lib = Path(lib_dir) if lib_dir else Path(sysconfig.get_paths()["purelib"]) / "llama_cpp" / "lib"
    if not lib.is_dir():
        return "none"
    names = {p.name for p in lib.iterdir()}
    for backend in ("cuda", "vulkan", "metal"):
        if any(n.startswith(f"libggml-{backend}.") or n == f"ggml-{backend}.dll" for n in names):
            return backend
    return "cpu"


def library_dir() -> Path | None:
    """The installed llama_cpp's folder of native libraries, found without loading them;
    None when llama-cpp-python is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    return Path(spec.origin).parent / "lib" if spec and spec.origin else None


CUDA_13_DRIVER = (580,)  # the oldest Linux driver a CUDA 13 build runs on (525 for CUDA 12)


def nvidia_driver_version(probe: Probe) -> str | None:
    """The Linux NVIDIA driver's version from /proc/driver/nvidia/version ("... Kernel
    Module  535.104.05 ..."), or None where that file does not say."""
    found = re.search(r"\b\d{3,}\.\d+(?:\.\d+)?\b", probe.read("/proc/driver/nvidia/version"))
    return found.group(0) if found else None


def no_device_reason(backend: str, probe: Probe | None = None) -> str:
    """Why a GPU build found no device here, as far as the machine shows it."""
    probe = probe or Probe()
    if backend == "cuda":
        hidden = probe.environ.get("CUDA_VISIBLE_DEVICES")
        if hidden is not None and (not hidden.strip() or hidden.strip().startswith("-")):
            return f"CUDA_VISIBLE_DEVICES={hidden!r} hides every GPU"
        if nvidia_driver(probe) is None:
            return (
                "no NVIDIA driver is installed (no /proc/driver/nvidia/version, nvidia-smi "
                "or libcuda.so.1)"
            )
        version = nvidia_driver_version(probe)
        if version and tuple(int(x) for x in version.split(".")) < CUDA_13_DRIVER:
            return (
                f"the NVIDIA driver {version} may be too old for this build (CUDA 13 builds "
                f"need {CUDA_13_DRIVER[0]} or newer, CUDA 12 builds 525) or reports no usable "
                "GPU (see nvidia-smi)"
            )
        return "the NVIDIA driver is installed but reports no usable GPU (see nvidia-smi)"
    if backend == "vulkan":
        if probe.system == "Linux" and not probe.glob("/dev/dri/renderD*"):
            return "no GPU render device (/dev/dri/renderD*)"
        return "no Vulkan driver for the GPU (Mesa's mesa-vulkan-drivers or the vendor's)"
    if backend == "metal":
        return "Metal reports no GPU"
    return "it is a CPU-only build"


def describe_build(lib_dir: str | Path | None, gpu_offload: bool) -> dict[str, str | bool]:
    """What `fathom doctor` says about the llama.cpp build: backend, device, and why not."""
    backend = installed_backend(lib_dir)
    report: dict[str, str | bool] = {"backend": backend, "device": gpu_offload}
    if backend in ("cpu", "none"):
        report["text"] = "CPU only (built without a GPU backend)"
    elif gpu_offload:
        report["text"] = f"{backend}, with a {backend.upper()} device to offload to"
    else:
        why = no_device_reason(backend)
        report["why"] = why
        report["text"] = (
            f"{backend}, but no {backend.upper()} device was found: {why}; answers use the CPU"
        )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan")
    p.add_argument("--gpu", default="auto", choices=("auto", *BACKENDS))
    sub.add_parser("installed")
    args = parser.parse_args(argv)
    if args.command == "installed":
        print(installed_backend())
        return 0
    try:
        chosen = plan(args.gpu, Probe())
    except NotBuildableError as exc:
        print(exc, file=sys.stderr)
        return 2
    values = {
        "backend": chosen.backend,
        "reason": chosen.reason,
        "cmake_args": chosen.cmake_args,
        "requirements": " ".join(chosen.requirements),
        "key": chosen.key,
        "source": chosen.source,
        "default_args": CPU_ARGS,
    }
    for name, value in values.items():
        print(f"llama_{name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
