#!/usr/bin/env python3
"""Check a retrieval question set (JSONL) against its corpus.

Each line of the questions file is a JSON object::

    {"q": "...", "expect": "...", "file": "<path relative to corpus root>"}

(an optional integer "page", 1-based, is checked for PDF targets; other extra
keys are ignored).

For every line the checker

1. loads the target file's text (plain text as-is; .html/.htm with tags
   stripped via html.parser; .pdf through ``pdftotext`` from poppler-utils),
2. verifies the ``expect`` phrase occurs in it (case-insensitive,
   whitespace collapsed),
3. reports in how many corpus files the phrase occurs (a phrase found in
   more than one file is flagged),
4. computes the longest run of consecutive words shared between the
   question and the target file (lowercase, words = ``[\\w']+``) and flags
   any run of ``--max-run`` (default 4) or more words.

It prints one line per failing question plus a summary, and exits 1 if any
check fails (0 otherwise).  Standard library only (Python 3.11+).

Usage::

    python3 check_questions.py QUESTIONS.jsonl CORPUS_ROOT [-v]
        [--max-run 4] [--max-per-file N] [--min-files N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

WORD_RE = re.compile(r"[\w']+")
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
# Files that are clearly binary / not documents are skipped when scanning
# the corpus for phrase occurrences.
SKIP_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".ico",
    ".webp",
    ".bmp",
    ".zip",
    ".gz",
    ".tar",
    ".tgz",
    ".bz2",
    ".xz",
    ".7z",
    ".woff",
    ".woff2",
    ".ttf",
    ".otf",
    ".eot",
    ".mp3",
    ".mp4",
    ".wav",
    ".avi",
    ".mov",
    ".pyc",
    ".so",
    ".dll",
    ".exe",
    ".bin",
}


class _TextExtractor(HTMLParser):
    """Collect the text content of an HTML document (no script/style)."""

    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template"}
    _BLOCK: ClassVar[set[str]] = {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "dd",
        "dt",
        "title",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip_depth:
            self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)


def html_to_text(raw: str) -> str:
    parser = _TextExtractor()
    parser.feed(raw)
    parser.close()
    return parser.text()


def pdf_to_text(path: Path) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError(
            "pdftotext not found; install poppler-utils (e.g. `apt-get install -y poppler-utils`)"
        )
    proc = subprocess.run(
        # Plain (reading-order) mode; pages come out separated by form feeds.
        [exe, "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"pdftotext failed on {path}: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout.decode("utf-8", errors="replace")


_text_cache: dict[Path, str] = {}


def load_text(path: Path) -> str:
    """Return the document text of *path* according to its type."""
    path = path.resolve()
    if path in _text_cache:
        return _text_cache[path]
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        text = pdf_to_text(path)
    else:
        raw = path.read_text(encoding="utf-8", errors="replace")
        text = html_to_text(raw) if suffix in HTML_SUFFIXES else raw
    _text_cache[path] = text
    return text


def normalize(text: str) -> str:
    """Lowercase and collapse all whitespace runs to a single space."""
    return " ".join(text.lower().split())


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def longest_shared_run(q_words: list[str], doc_words: list[str]) -> tuple[int, list[str]]:
    """Longest run of consecutive words of the question found in the document.

    Uses n-gram sets of the document: grows n while some n-gram of the
    question still occurs in the document.
    """
    if not q_words or not doc_words:
        return 0, []
    best: list[str] = []
    doc_set = set(doc_words)
    if not any(w in doc_set for w in q_words):
        return 0, []
    best = [next(w for w in q_words if w in doc_set)]
    n = 2
    while n <= len(q_words):
        grams = {tuple(doc_words[i : i + n]) for i in range(len(doc_words) - n + 1)}
        found = None
        for i in range(len(q_words) - n + 1):
            g = tuple(q_words[i : i + n])
            if g in grams:
                found = list(g)
                break
        if found is None:
            break
        best = found
        n += 1
    return len(best), best


def corpus_files(root: Path) -> list[Path]:
    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        if any(part.startswith(".") for part in p.relative_to(root).parts):
            continue
        if p.suffix.lower() in SKIP_SUFFIXES:
            continue
        out.append(p)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("questions", type=Path, help="questions JSONL file")
    ap.add_argument("corpus", type=Path, help="corpus root directory")
    ap.add_argument(
        "--max-run",
        type=int,
        default=4,
        help="flag shared word runs of this length or longer (default 4)",
    )
    ap.add_argument(
        "--min-expect", type=int, default=8, help="minimum expect phrase length (default 8)"
    )
    ap.add_argument(
        "--max-expect", type=int, default=80, help="maximum expect phrase length (default 80)"
    )
    ap.add_argument(
        "--max-per-file",
        type=int,
        default=0,
        help="flag files targeted by more than N questions (0 = no limit)",
    )
    ap.add_argument(
        "--min-files",
        type=int,
        default=0,
        help="require at least N distinct target files (0 = no requirement)",
    )
    ap.add_argument(
        "--markup-chars",
        default="*`[]|#",
        help="characters not allowed in expect phrases, since the app may "
        "strip markup (default: %(default)r; pass '' to allow all)",
    )
    ap.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print a line for every question, not only failures",
    )
    args = ap.parse_args(argv)

    root: Path = args.corpus
    if not root.is_dir():
        print(f"error: corpus root {root} is not a directory", file=sys.stderr)
        return 2

    # Load every corpus document once (normalized) for occurrence counts.
    corpus_norm: dict[str, str] = {}
    load_errors: list[str] = []
    questions_path = args.questions.resolve()
    for p in corpus_files(root):
        if p.resolve() == questions_path:
            continue  # never count the questions file itself as a document
        rel = p.relative_to(root).as_posix()
        try:
            corpus_norm[rel] = normalize(load_text(p))
        except (OSError, RuntimeError) as exc:
            load_errors.append(f"{rel}: {exc}")
    for err in load_errors:
        print(f"warning: could not read {err}", file=sys.stderr)

    failures = 0
    warnings = 0
    total = 0
    per_file: Counter[str] = Counter()
    run_hist: Counter[int] = Counter()
    files_hist: Counter[int] = Counter()
    seen_q: set[str] = set()
    max_run_seen = 0

    with args.questions.open(encoding="utf-8") as fh:
        lines = fh.readlines()

    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        total += 1
        problems: list[str] = []
        notes: list[str] = []
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"line {lineno}: FAIL invalid JSON: {exc}")
            failures += 1
            continue
        q = item.get("q")
        expect = item.get("expect")
        rel = item.get("file")
        if not (isinstance(q, str) and isinstance(expect, str) and isinstance(rel, str)):
            print(f"line {lineno}: FAIL needs string fields q, expect, file")
            failures += 1
            continue
        per_file[rel] += 1
        if normalize(q) in seen_q:
            problems.append("duplicate question")
        seen_q.add(normalize(q))

        bad_chars = sorted(set(expect) & set(args.markup_chars))
        if bad_chars:
            problems.append(f"expect contains markup characters {''.join(bad_chars)!r}")
        if not (args.min_expect <= len(expect) <= args.max_expect):
            problems.append(
                f"expect length {len(expect)} outside {args.min_expect}..{args.max_expect}"
            )

        target = root / rel
        if not target.is_file():
            problems.append(f"target file not found: {rel}")
            run_len, run = 0, []
            n_files = None
        else:
            try:
                text = load_text(target)
            except (OSError, RuntimeError) as exc:
                problems.append(f"cannot read target: {exc}")
                text = ""
            norm_expect = normalize(expect)
            norm_text = normalize(text)
            if norm_expect not in norm_text:
                problems.append("expect phrase not found in target file")
            in_target = norm_text.count(norm_expect)
            n_files = sum(1 for t in corpus_norm.values() if norm_expect in t)
            if rel not in corpus_norm and norm_expect in norm_text:
                n_files += 1
            page = item.get("page")
            if (
                isinstance(page, int)
                and not isinstance(page, bool)
                and target.suffix.lower() in PDF_SUFFIXES
                and norm_expect in norm_text
            ):
                # Optional "page" (1-based) for PDFs: the phrase must be on that page.
                pages = [normalize(pg) for pg in text.split("\f")]
                if not (1 <= page <= len(pages)) or norm_expect not in pages[page - 1]:
                    on = [i for i, pg in enumerate(pages, 1) if norm_expect in pg]
                    problems.append(f"expect phrase not on page {page} (found on pages {on})")
            if n_files > 1:
                problems.append(f"expect phrase occurs in {n_files} corpus files")
            elif in_target > 1:
                notes.append(f"expect occurs {in_target}x in target")
            run_len, run = longest_shared_run(words(q), words(text))
            if run_len >= args.max_run:
                problems.append(f"shares {run_len}-word run with target: {' '.join(run)!r}")
        run_hist[run_len] += 1
        if n_files is not None:
            files_hist[n_files] += 1
        max_run_seen = max(max_run_seen, run_len)

        if problems:
            failures += 1
            print(f"line {lineno}: FAIL [{rel}] q={q!r}")
            for prob in problems:
                print(f"    - {prob}")
        elif args.verbose or notes:
            if notes:
                warnings += 1
            extra = f" ({'; '.join(notes)})" if notes else ""
            print(f"line {lineno}: ok   [{rel}] files={n_files} run={run_len}{extra}")

    over = {f: c for f, c in per_file.items() if args.max_per_file and c > args.max_per_file}
    for f, c in sorted(over.items()):
        print(f"FAIL: {f} is targeted by {c} questions (max {args.max_per_file})")

    too_few = bool(args.min_files) and len(per_file) < args.min_files
    if too_few:
        print(f"FAIL: only {len(per_file)} distinct target files (need {args.min_files})")

    print()
    print("Summary")
    print(f"  questions:              {total}")
    print(f"  distinct target files:  {len(per_file)}")
    print(f"  corpus files scanned:   {len(corpus_norm)}")
    print(
        "  files containing expect: "
        + ", ".join(f"{k}:{v}" for k, v in sorted(files_hist.items()))
        + "  (files:questions; want all 1)"
    )
    print(f"  longest shared run:     {max_run_seen} words (limit < {args.max_run})")
    print("  shared-run histogram:   " + ", ".join(f"{k}:{v}" for k, v in sorted(run_hist.items())))
    print(f"  notes (expect repeated within target): {warnings}")
    print(f"  failed questions:       {failures}")
    if over:
        print(f"  files over per-file cap: {len(over)}")
    ok = failures == 0 and not over and not too_few and total > 0
    print("  RESULT: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
