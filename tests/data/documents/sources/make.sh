#!/usr/bin/env bash
# Regenerate the generated test documents in ../good and ../bad from the sources in this
# folder (and ../good/inventory.csv, written by hand like the other text files there).
# Needs (Debian): libreoffice-writer libreoffice-impress libreoffice-calc qpdf imagemagick
# fonts-dejavu-core. Tests never run this: they read the committed files.
set -euo pipefail
cd "$(dirname "$0")"
good=../good
bad=../bad
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lo() { soffice --headless -env:UserInstallation="file://$work/profile" "$@" >/dev/null 2>&1; }

# Writer: one handbook (Title, Heading 1-3, a table, non-ASCII; each Heading 1 on a new page).
lo --convert-to docx --outdir "$good" handbook.fodt
lo --convert-to pdf --outdir "$good" handbook.fodt
lo --convert-to epub --outdir "$good" handbook.fodt
lo --convert-to "html:XHTML Writer File:UTF8" --outdir "$good" handbook.fodt
# Impress: four slides (title placeholders, a bullet list, speaker notes, an untitled slide).
lo --convert-to pptx --outdir "$good" slides.fodp
# Calc: the UTF-8 comma CSV re-saved with ';' separators in Windows-1252.
cp "$good/inventory.csv" "$work/inventory-cp1252.csv"
lo --infilter="Text - txt - csv (StarCalc):44,34,76,1" \
  --convert-to "csv:Text - txt - csv (StarCalc):59,34,1,1" --outdir "$good" \
  "$work/inventory-cp1252.csv"
# qpdf: the handbook PDF encrypted with AES-256 and an owner password only (it opens
# without a password; printing and copying are forbidden).
qpdf --encrypt "" secret-owner 256 --print=none --extract=n -- \
  "$good/handbook.pdf" "$good/restricted.pdf"

# A scan: a one-page PDF holding only an image of two lines of text (read by OCR).
/usr/bin/convert -size 1240x1754 xc:white -font DejaVu-Sans -pointsize 40 -fill black \
  -annotate +120+260 'Scanned delivery note' -annotate +120+360 'Shipment of 12 anemometer cups' \
  -colors 2 "$work/scanned.png"
lo --convert-to pdf --outdir "$good" "$work/scanned.png"

# Files each reader must refuse, with its reason.
qpdf --encrypt secret-user secret-owner 256 -- "$good/handbook.pdf" "$bad/encrypted.pdf"
size=$(stat -c %s "$good/handbook.pdf")
head -c $((size * 6 / 10)) "$good/handbook.pdf" >"$bad/truncated.pdf"
printf 'This is a plain text file that was given a .pdf name by mistake.\n' >"$bad/corrupt.pdf"
printf 'Meeting notes saved as text, then renamed to .docx.\n' >"$bad/corrupt.docx"
size=$(stat -c %s "$good/slides.pptx")
head -c $((size / 2)) "$good/slides.pptx" >"$bad/truncated.pptx"
cp "$good/handbook.epub" "$work/handbook.epub"
zip -q -d "$work/handbook.epub" META-INF/container.xml
cp "$work/handbook.epub" "$bad/no-container.epub"
printf '\n\n  \n' >"$bad/empty.csv"
ls -l "$good" "$bad"
