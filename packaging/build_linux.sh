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
# Options:
#   --bundle-only   stop after dist/fathom/ (no archive, no .deb)
#   --if-stale      skip the PyInstaller run when dist/fathom/ was built from exactly the
#                   current sources, spec and installed packages (see dist/fathom.inputs)
#
# It uses ./.venv (made by `bash .ci/setup` if missing) and installs the `package` extra
# (PyInstaller) into it. llama-cpp-python stays the portable -DGGML_NATIVE=OFF build that
# .ci/setup makes: a build tuned to this CPU would crash on other machines. No AppImage:
# appimagetool is not a Debian package (see packaging/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bundle_only=0
if_stale=0
for arg in "$@"; do
  case "$arg" in
    --bundle-only) bundle_only=1 ;;
    --if-stale) if_stale=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "build_linux.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  bash .ci/setup
fi
py=.venv/bin/python
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

[ "$bundle_only" = 1 ] && exit 0

# --- the archive ---------------------------------------------------------------------------
archive="dist/fathom-${version}-linux-${arch}.tar.gz"
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
stage="build/deb/fathom_${version}_${deb_arch}"
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
cat > "$stage/DEBIAN/control" <<EOF
Package: fathom
Version: ${version}
Architecture: ${deb_arch}
Maintainer: Fathom developers <fathom@localhost>
Installed-Size: ${installed_kb}
Depends: libc6 (>= ${glibc:-2.28}), ${qt_depends}
Recommends: libwayland-client0, libwayland-cursor0, libwayland-egl1
Section: utils
Priority: optional
Homepage: https://github.com/fathom-desktop/fathom
Description: chat with your own documents, locally
 Fathom ingests your files into a local Milvus Lite store with ONNX Runtime
 embeddings and answers questions with a GGUF model run by llama.cpp, citing
 numbered sources. No API key; no network once the models are on disk.
 Models are not included: run 'fathom models pull'.
EOF
deb="dist/fathom_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-6}" --build "$stage" "$deb" >/dev/null
echo "Debian package: $deb ($(du -h "$deb" | cut -f1))"
