#!/usr/bin/env bash
# Build Fathom for Linux x86-64, from the repository root or anywhere:
#
#     bash packaging/build_linux.sh
#
# makes, under dist/:
#   fathom/                             the one-folder bundle (run dist/fathom/fathom)
#   fathom-<version>-linux-x86_64.tar.gz  that folder, to unpack anywhere
#   fathom_<version>_amd64.deb          installs to /opt/fathom, /usr/bin/fathom, a menu entry
#
# With --gpu cuda: fathom-<version>-linux-x86_64-cuda.tar.gz and fathom-cuda_<version>_amd64.deb,
# llama.cpp built for NVIDIA GPUs (the architectures in desktop/core/llm/llama_build.py),
# carrying the CUDA runtime and cuBLAS; only the NVIDIA driver comes from the system, and
# without one the app answers on the CPU.
#
# Options:
#   --gpu cuda|cpu  the llama.cpp build to package (default: the one installed in the venv;
#                   `bash .ci/setup --gpu cuda` is run when the venv has another)
#   --bundle-only   stop after dist/fathom/ (no archive, no .deb)
#   --if-stale      skip the PyInstaller run when dist/fathom/ was built from exactly the
#                   current sources, spec and installed packages (see dist/fathom.inputs)
#
# It uses ./.venv (FATHOM_VENV=DIR for another; made by `bash .ci/setup` if missing) and
# installs the `package` extra (PyInstaller) into it. llama.cpp's CPU part stays the
# portable -DGGML_NATIVE=OFF build that .ci/setup makes: a build tuned to this CPU would
# crash on other machines. No AppImage: appimagetool is not a Debian package (see
# packaging/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bundle_only=0
if_stale=0
gpu=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle-only) bundle_only=1 ;;
    --if-stale) if_stale=1 ;;
    --gpu) gpu="${2:-none}"; [ $# -lt 2 ] || shift ;;
    --gpu=*) gpu="${1#--gpu=}"; gpu="${gpu:-none}" ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "build_linux.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$gpu" in
  ""|cpu|cuda) ;;
  *) echo "build_linux.sh: --gpu takes cuda or cpu here, not '${gpu/none/}'" >&2; exit 2 ;;
esac

venv="${FATHOM_VENV:-.venv}"
py="$venv/bin/python"
backend() { "$py" desktop/core/llm/llama_build.py installed; }
if [ ! -x "$py" ] || { [ -n "$gpu" ] && [ "$(backend)" != "$gpu" ]; }; then
  bash .ci/setup ${gpu:+--gpu "$gpu"}
fi
variant="$(backend)"
if [ -n "$gpu" ] && [ "$variant" != "$gpu" ]; then
  echo "build_linux.sh: the venv's llama.cpp build is $variant, not $gpu" >&2
  exit 1
fi
suffix=""
[ "$variant" = cpu ] || suffix="-$variant"
if ! "$py" -c 'import PyInstaller' >/dev/null 2>&1; then
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
  "$py" -m pip install --quiet -e ".[package]"
fi

version="$("$py" -c 'from desktop import __version__; print(__version__)')"
arch="$(uname -m)"
[ "$arch" = "x86_64" ] || echo "build_linux.sh: note: building on $arch, not x86_64" >&2

# What the bundle is made from: Fathom's code and resources, the spec, the installed
# packages. Same fingerprint as the last build: the bundle is up to date.
inputs_fingerprint() {
  {
    find desktop resources packaging/fathom.spec -type f \
      ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum
    "$py" -m pip freeze --all 2>/dev/null | grep -v '^-e \|^fathom-desktop'
    # pip freeze names llama-cpp-python's version only: the build (CPU or CUDA) too.
    echo "llama.cpp $variant $(cat "$venv/fathom-llama-build" 2>/dev/null)"
    "$py" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}
fingerprint="$(inputs_fingerprint)"

if [ "$if_stale" = 1 ] && [ -x dist/fathom/fathom ] &&
   [ "$(cat dist/fathom.inputs 2>/dev/null)" = "$fingerprint" ]; then
  echo "dist/fathom is up to date with the sources; not rebuilt."
else
  rm -f dist/fathom.inputs
  start=$SECONDS
  "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/fathom.spec
  echo "$fingerprint" > dist/fathom.inputs
  echo "Bundle built in $((SECONDS - start)) s: dist/fathom ($(du -sh dist/fathom | cut -f1))"
fi

# A CUDA bundle carries the CUDA runtime and cuBLAS that libggml-cuda links to (PyInstaller
# follows its DT_NEEDED through its run path into the venv's nvidia wheels or the toolkit).
# libcuda.so.1 belongs to the driver: never bundled, and not linked (GGML_CUDA_NO_VMM), so
# the app starts without it.
if [ "$variant" = cuda ]; then
  for lib in libggml-cuda.so libcudart.so libcublas.so libcublasLt.so; do
    found="$(find dist/fathom/_internal -name "$lib*" | head -1)"
    if [ -z "$found" ]; then
      echo "build_linux.sh: the CUDA bundle lacks $lib" >&2
      exit 1
    fi
    echo "  $(du -hL "$found" | cut -f1)  ${found#dist/fathom/}"
  done
  if find dist/fathom/_internal -name 'libcuda.so*' | grep -q .; then
    echo "build_linux.sh: libcuda (the NVIDIA driver's) must not be bundled" >&2
    exit 1
  fi
fi

[ "$bundle_only" = 1 ] && exit 0

# --- the archive ---------------------------------------------------------------------------
archive="dist/fathom-${version}-linux-${arch}${suffix}.tar.gz"
tar -C dist --owner=0 --group=0 --numeric-owner -czf "$archive" fathom
echo "Archive: $archive ($(du -h "$archive" | cut -f1))"

# --- the .deb ------------------------------------------------------------------------------
# Libraries the bundle expects from the system rather than carrying them: OpenGL/EGL
# (they belong to the graphics driver), libxcb and the xcb utility libraries Qt's X11
# plugin needs: every library `ldd` lists for the bundle's X11 plugin, as Debian packages
# (desktop/gui/platform_check.py). The C library version is the newest symbol version any
# bundled file needs, i.e. it follows the machine the bundle was built on.
glibc="$({ find dist/fathom -type f \( -name '*.so*' -o -name fathom \) -print0 |
  xargs -0 -r readelf -V 2>/dev/null || true; } | { grep -o 'GLIBC_[0-9.]*' || true; } |
  sed 's/GLIBC_//' | sort -uV | tail -1)"
xcb_plugin="$(find dist/fathom -path '*/platforms/libqxcb.so' | head -1)"
qt_depends="$("$py" -m desktop.gui.platform_check --depends ${xcb_plugin:+--plugin "$xcb_plugin"})"
deb_arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
package="fathom${suffix}"
stage="build/deb/${package}_${version}_${deb_arch}"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/scalable/apps" "$stage/usr/share/doc/fathom"
cp -a dist/fathom "$stage/opt/fathom"
ln -s /opt/fathom/fathom "$stage/usr/bin/fathom"
install -m 644 resources/fathom.desktop "$stage/usr/share/applications/fathom.desktop"
install -m 644 resources/icons/fathom.svg "$stage/usr/share/icons/hicolor/scalable/apps/fathom.svg"
printf 'Fathom %s, built from source with PyInstaller. Licence: Apache-2.0.\n' "$version" \
  > "$stage/usr/share/doc/fathom/README"
installed_kb="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
deb_gpu=""
if [ "$variant" = cuda ]; then
  # One Fathom at a time in /opt/fathom; the NVIDIA driver (libcuda.so.1) comes from the
  # system: Debian's libcuda1 (non-free), Ubuntu's libnvidia-compute-<version>, or NVIDIA's.
  deb_gpu="Provides: fathom
Conflicts: fathom
Replaces: fathom
Suggests: libcuda1 | nvidia-driver
"
fi
cat > "$stage/DEBIAN/control" <<EOF
Package: ${package}
Version: ${version}
Architecture: ${deb_arch}
Maintainer: Fathom developers <fathom@localhost>
Installed-Size: ${installed_kb}
Depends: libc6 (>= ${glibc:-2.28}), ${qt_depends}
Recommends: libwayland-client0, libwayland-cursor0, libwayland-egl1
${deb_gpu}Section: utils
Priority: optional
Homepage: https://github.com/fathom-desktop/fathom
Description: chat with your own documents, locally
 Fathom ingests your files into a local Milvus Lite store with ONNX Runtime
 embeddings and answers questions with a GGUF model run by llama.cpp, citing
 numbered sources. No API key; no network once the models are on disk.
 Models are not included: run 'fathom models pull'.
EOF
deb="dist/${package}_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-6}" --build "$stage" "$deb" >/dev/null
echo "Debian package: $deb ($(du -h "$deb" | cut -f1))"
