import os
from pathlib import Path

from desktop.core.ingest.scan import scan


def _names(paths: list[Path], root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_hidden_ignored_and_unknown_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "docs" / "drafts").mkdir(parents=True)
    (tmp_path / "docs" / "build").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in [
        "a.md",
        "notes.txt",
        "docs/b.md",
        "docs/drafts/c.md",
        "docs/build/d.md",
        "docs/secret.log",
        ".git/config.txt",
        ".hidden.md",
        "song.mp3",
    ]:
        (tmp_path / rel).write_text("x")
    (tmp_path / ".fathomignore").write_text("drafts/\n*.log\n")
    (tmp_path / "docs" / ".gitignore").write_text("build/\n")
    found = scan([tmp_path])
    assert _names(found.files, tmp_path) == ["a.md", "docs/b.md", "notes.txt"]
    assert found.rejected == []
    assert found.roots == [tmp_path.resolve()]


def test_negation_and_anchored_patterns_follow_git(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for rel in ["keep.md", "drop.md", "sub/drop.md", "sub/other.md"]:
        (tmp_path / rel).write_text("x")
    (tmp_path / ".gitignore").write_text("*.md\n!keep.md\n!sub/other.md\n")
    assert _names(scan([tmp_path]).files, tmp_path) == ["keep.md", "sub/other.md"]


def test_link_loops_and_broken_links_are_reported(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_text("x")
    os.symlink(tmp_path / "loop_b.md", tmp_path / "loop_a.md")
    os.symlink(tmp_path / "loop_a.md", tmp_path / "loop_b.md")
    os.symlink(tmp_path / "missing.md", tmp_path / "dangling.md")
    os.symlink(tmp_path / "real.md", tmp_path / "alias.md")
    os.symlink(tmp_path, tmp_path / "self")  # a folder link back up: not followed
    found = scan([tmp_path])
    assert _names(found.files, tmp_path) == ["alias.md", "real.md"]
    reasons = {p.name: r for p, r in found.rejected}
    assert reasons == {
        "loop_a.md": "symbolic link loop",
        "loop_b.md": "symbolic link loop",
        "dangling.md": "broken symbolic link",
    }


def test_explicit_paths(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "b.exe").write_text("x")
    found = scan([tmp_path / "a.md", tmp_path / "b.exe", tmp_path / "nope"])
    assert [p.name for p in found.files] == ["a.md"]
    assert [(p.name, r) for p, r in found.rejected] == [
        ("b.exe", "unsupported file type '.exe'"),
        ("nope", "no such file or folder"),
    ]
