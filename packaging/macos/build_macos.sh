#!/usr/bin/env bash
# Build Fathom.app and a .dmg on macOS 12+ (Apple silicon or Intel), from anywhere:
#
#     bash packaging/macos/build_macos.sh
#
# makes dist/Fathom.app (PyInstaller, packaging/fathom.spec) and
# dist/Fathom-<version>-macos-<arm64|x86_64>.dmg (hdiutil: the app and an Applications link).
# llama-cpp-python is built with Metal (CMAKE_ARGS=-DGGML_METAL=on) when the venv is made
# here; an existing .venv is used as it is.
#
# Optional signing and notarisation, from the environment:
#   MACOS_SIGN_IDENTITY   "Developer ID Application: ..." (codesign, hardened runtime)
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   notarise the .dmg and staple the ticket
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(uname -s)" != "Darwin" ]; then
  echo "build_macos.sh: run this on macOS (hdiutil, codesign)." >&2
  exit 2
fi

py=.venv/bin/python
if [ ! -x "$py" ]; then
  "${PYTHON:-python3.11}" -m venv .venv
  "$py" -m pip install --quiet --upgrade pip
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_METAL=on}" \
    "$py" -m pip install --quiet --no-cache-dir "llama-cpp-python>=0.3.16,<0.4"
fi
"$py" -m pip install --quiet -e ".[package]"

version="$("$py" -c 'from desktop import __version__; print(__version__)')"
arch="$(uname -m)"

"$py" packaging/make_icons.py
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/fathom.spec
app=dist/Fathom.app
[ -x "$app/Contents/MacOS/fathom" ] || { echo "no $app was built" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp \
    --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --deep --strict "$app"
fi

# The app starts: version, and the window opened offscreen and closed.
"$app/Contents/MacOS/fathom" --version
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/fathom" self-test --window-only

stage=build/dmg
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/Fathom-${version}-macos-${arch}.dmg"
rm -f "$dmg"
hdiutil create -volname "Fathom ${version}" -srcfolder "$stage" -ov -format UDZO "$dmg"

if [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
    --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$dmg"
fi
echo "Disk image: $dmg ($(du -h "$dmg" | cut -f1))"
