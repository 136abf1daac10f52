import pytest

from desktop.core.ingest.readers import ReadError, decode_text, read_text


def test_utf8_with_bom() -> None:
    assert decode_text("\ufeffhé".encode()) == "hé"


FRENCH = (
    "Les élèves ont étudié à l'école française pendant des années, très sérieusement. "
    "Après la rentrée, ils préparèrent leurs examens avec beaucoup d'intérêt. Où est la "
    "bibliothèque ? Là-bas, près de la fenêtre, derrière le théâtre où l'on joue des pièces "
    "célèbres. Le garçon était très fâché.\n"
) * 3
RUSSIAN = "Привет, как дела? Это длинный текст на русском языке, чтобы проверить кодировку. " * 4


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(FRENCH, "cp1252"), (FRENCH, "latin-1"), (RUSSIAN, "cp1251"), (RUSSIAN, "koi8-r")],
)
def test_legacy_encodings_are_detected(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding)) == text


def test_binary_content_is_refused() -> None:
    with pytest.raises(ReadError, match="binary"):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_whitespace_only_text_has_no_sections() -> None:
    assert read_text("blank.txt", b"   \n\n").sections == []


def test_pdfium_line_end_hyphens_are_decided_by_the_documents_own_words() -> None:
    from desktop.core.ingest.readers.pdf import _line_end_hyphens

    pages = [
        "The func\ufffetion returns. Each non\ufffeGAAP figure is com\ufffepletes.",
        "A function, and complete work; non-GAAP measures; a black\ufffeon white page.",
    ]
    mended = _line_end_hyphens(pages)
    assert mended[0] == "The function returns. Each non-GAAP figure is completes."
    assert mended[1].endswith("a black-on white page.")  # "blackon" is no word of its
    assert _line_end_hyphens(["no marks"]) == ["no marks"]
    assert "\ufffe" not in "".join(_line_end_hyphens(["a lone \ufffe mark"]))
