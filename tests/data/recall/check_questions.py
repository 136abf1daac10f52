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

Options for multilingual sets (all off by default):

- ``--subdir-key KEY``: every line names its own corpus folder, CORPUS_ROOT/<line[KEY]>
  (e.g. ``"corpus": "de"``); ``file`` is relative to it and occurrences are counted
  within that folder only.
- ``--cjk-run N``: also flag a question that shares a run of N or more consecutive
  CJK characters with its target file, both compared with whitespace and punctuation
  removed (for Chinese/Japanese, which put no spaces between words).
- An expect phrase that contains CJK characters is measured in CJK characters
  (``--min-expect-cjk``/``--max-expect-cjk``, default 6..40) instead of characters.
- ``--max-per-section N`` (HTML targets): flag a section, the text from one heading
  named in ``--section-tags`` (default h2) to the next, targeted by more than N
  questions (counted per corpus folder and file).

It prints one line per failing question plus a summary, and exits 1 if any
check fails (0 otherwise).  Standard library only (Python 3.11+).

Usage::

    python3 check_questions.py QUESTIONS.jsonl CORPUS_ROOT [-v]
        [--max-run 4] [--max-per-file N] [--min-files N]
        [--subdir-key KEY] [--cjk-run N] [--max-per-section N] [--section-tags h2]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

WORD_RE = re.compile(r"[\w']+")
# CJK ideographs (incl. extension A and compatibility), kana and Hangul syllables.
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
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


class _SectionSplitter(_TextExtractor):
    """Like _TextExtractor, but starts a new section at each heading in *tags*."""

    def __init__(self, tags: set[str]) -> None:
        super().__init__()
        self._tags = tags
        self.sections: list[tuple[str, list[str]]] = [("", self.parts)]
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self._tags and not self._skip_depth:
            self.parts = []
            self.sections.append(("", self.parts))
            self._heading = []
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self._tags and self._heading is not None:
            self.sections[-1] = (" ".join("".join(self._heading).split()), self.parts)
            self._heading = None
        super().handle_endtag(tag)

    def handle_data(self, data):
        super().handle_data(data)
        if self._heading is not None and not self._skip_depth:
            self._heading.append(data)


_section_cache: dict[tuple[Path, frozenset[str]], list[tuple[str, str]]] = {}


def html_sections(path: Path, tags: frozenset[str]) -> list[tuple[str, str]]:
    """(heading, normalized text) of each section of an HTML file; the text before the
    first heading is a section with heading ''."""
    key = (path.resolve(), tags)
    if key not in _section_cache:
        parser = _SectionSplitter(set(tags))
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        parser.close()
        _section_cache[key] = [(h, normalize("".join(p))) for h, p in parser.sections]
    return _section_cache[key]


def cjk_count(text: str) -> int:
    return len(CJK_RE.findall(text))


def strip_for_cjk(text: str) -> str:
    """Drop whitespace, punctuation and symbols (Unicode categories Z*, P*, S*, C*)."""
    return "".join(
        ch for ch in text.lower() if not ch.isspace() and unicodedata.category(ch)[0] not in "ZPSC"
    )


def longest_shared_cjk_run(question: str, doc: str) -> str:
    """Longest run of consecutive CJK characters of the stripped question that occurs in
    the stripped document."""
    q = strip_for_cjk(question)
    d = strip_for_cjk(doc)
    best = ""
    for run in re.findall(f"(?:{CJK_RE.pattern})+", q):
        n = len(best) + 1
        i = 0
        while i + n <= len(run):
            if run[i : i + n] in d:
                best = run[i : i + n]
                n += 1
            else:
                i += 1
    return best


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
        "--subdir-key",
        default=None,
        metavar="KEY",
        help="each line's corpus is the folder CORPUS_ROOT/<line[KEY]> (e.g. 'corpus' "
        "for a multilingual set); 'file' is relative to it and duplicates are counted in it",
    )
    ap.add_argument(
        "--cjk-run",
        type=int,
        default=0,
        help="flag a question sharing N or more consecutive CJK characters with its "
        "target (whitespace and punctuation removed; 0 = off, the default)",
    )
    ap.add_argument(
        "--min-expect-cjk",
        type=int,
        default=6,
        help="minimum CJK characters in an expect phrase that contains CJK (default 6)",
    )
    ap.add_argument(
        "--max-expect-cjk",
        type=int,
        default=40,
        help="maximum CJK characters in an expect phrase that contains CJK (default 40)",
    )
    ap.add_argument(
        "--max-per-section",
        type=int,
        default=0,
        help="flag HTML sections (see --section-tags) targeted by more than N questions "
        "(0 = no limit)",
    )
    ap.add_argument(
        "--section-tags",
        default="h2",
        help="comma-separated heading tags that start a section for --max-per-section "
        "(default %(default)s)",
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

    questions_path = args.questions.resolve()

    def load_corpus(base: Path) -> dict[str, str]:
        """Every document under *base*, loaded once (normalized), for occurrence counts."""
        norm: dict[str, str] = {}
        for p in corpus_files(base):
            if p.resolve() == questions_path:
                continue  # never count the questions file itself as a document
            rel = p.relative_to(base).as_posix()
            try:
                norm[rel] = normalize(load_text(p))
            except (OSError, RuntimeError) as exc:
                print(f"warning: could not read {rel}: {exc}", file=sys.stderr)
        return norm

    corpora: dict[str, dict[str, str]] = {}
    if args.subdir_key is None:
        corpora[""] = load_corpus(root)
    section_tags = frozenset(t.strip().lower() for t in args.section_tags.split(",") if t.strip())
    per_section: Counter[tuple[str, str, int, str]] = Counter()
    cjk_hist: Counter[int] = Counter()
    max_cjk_seen = 0

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
        sub = ""
        base = root
        if args.subdir_key is not None:
            sub = item.get(args.subdir_key)
            if not isinstance(sub, str) or not sub or not (root / sub).is_dir():
                print(f"line {lineno}: FAIL {args.subdir_key}={sub!r} is not a folder of {root}")
                failures += 1
                continue
            base = root / sub
            if sub not in corpora:
                corpora[sub] = load_corpus(base)
        corpus_norm = corpora[sub]
        per_file[f"{sub}/{rel}" if sub else rel] += 1
        if normalize(q) in seen_q:
            problems.append("duplicate question")
        seen_q.add(normalize(q))

        bad_chars = sorted(set(expect) & set(args.markup_chars))
        if bad_chars:
            problems.append(f"expect contains markup characters {''.join(bad_chars)!r}")
        n_cjk = cjk_count(expect)
        if n_cjk:
            if not (args.min_expect_cjk <= n_cjk <= args.max_expect_cjk):
                problems.append(
                    f"expect has {n_cjk} CJK characters, outside "
                    f"{args.min_expect_cjk}..{args.max_expect_cjk}"
                )
        elif not (args.min_expect <= len(expect) <= args.max_expect):
            problems.append(
                f"expect length {len(expect)} outside {args.min_expect}..{args.max_expect}"
            )

        target = base / rel
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
            if args.cjk_run:
                cjk_run = longest_shared_cjk_run(q, text)
                cjk_hist[len(cjk_run)] += 1
                max_cjk_seen = max(max_cjk_seen, len(cjk_run))
                if len(cjk_run) >= args.cjk_run:
                    problems.append(
                        f"shares {len(cjk_run)} CJK characters with target: {cjk_run!r}"
                    )
            if (
                args.max_per_section
                and target.suffix.lower() in HTML_SUFFIXES
                and norm_expect in norm_text
            ):
                secs = [
                    (i, h)
                    for i, (h, t) in enumerate(html_sections(target, section_tags))
                    if norm_expect in t
                ]
                if len(secs) == 1:
                    per_section[(sub, rel, *secs[0])] += 1
                else:
                    notes.append(f"expect in {len(secs)} sections of the target")
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
    over_sec = {
        k: c for k, c in per_section.items() if args.max_per_section and c > args.max_per_section
    }
    for (sub, rel, _, heading), c in sorted(over_sec.items()):
        where = f"{sub}/{rel}" if sub else rel
        print(f"FAIL: {where} section {heading!r} is targeted by {c} questions "
              f"(max {args.max_per_section})")  # fmt: skip

    too_few = bool(args.min_files) and len(per_file) < args.min_files
    if too_few:
        print(f"FAIL: only {len(per_file)} distinct target files (need {args.min_files})")

    print()
    print("Summary")
    print(f"  questions:              {total}")
    print(f"  distinct target files:  {len(per_file)}")
    print(f"  corpus files scanned:   {sum(len(c) for c in corpora.values())}")
    if args.subdir_key is not None:
        print(
            "  questions per folder:   "
            + ", ".join(
                f"{k}:{v}"
                for k, v in sorted(Counter(f.split("/", 1)[0] for f in per_file.elements()).items())
            )
        )
    print(
        "  files containing expect: "
        + ", ".join(f"{k}:{v}" for k, v in sorted(files_hist.items()))
        + "  (files:questions; want all 1)"
    )
    print(f"  longest shared run:     {max_run_seen} words (limit < {args.max_run})")
    print("  shared-run histogram:   " + ", ".join(f"{k}:{v}" for k, v in sorted(run_hist.items())))
    if args.cjk_run:
        print(f"  longest shared CJK run: {max_cjk_seen} characters (limit < {args.cjk_run})")
        print(
            "  CJK-run histogram:      "
            + ", ".join(f"{k}:{v}" for k, v in sorted(cjk_hist.items()))
        )
    if args.max_per_section:
        print(f"  distinct target sections: {len(per_section)}")
    print(f"  notes (expect repeated within target): {warnings}")
    print(f"  failed questions:       {failures}")
    if over:
        print(f"  files over per-file cap: {len(over)}")
    if over_sec:
        print(f"  sections over per-section cap: {len(over_sec)}")
    ok = failures == 0 and not over and not over_sec and not too_few and total > 0
    print("  RESULT: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
