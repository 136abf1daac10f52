"""The words keyword search (BM25) matches on, cut by Fathom itself.

Milvus Lite's analyzers lowercase and split on ``\\w+`` (no stemming), a Milvus server's
have more filters, and the two differ; so Fathom writes each chunk's search terms into a
text field of its own (lowercased words, function words dropped, Snowball-stemmed,
joined by spaces) and cuts the question to meet them: "configuring indexes" and
"configure an index" both become ``configur index``.

A passage is cut in its own language, told by its function words (English, German,
French, Spanish, Italian, Portuguese, Dutch, Russian; English when none stands out), so
"Pakete"/"Quellen" and "paquets"/"installés" lose their German and French endings, not
English ones. A question is often too short to show its language ("Netzwerk
konfigurieren"), so each of its words is searched under its stem in every one of those
languages; whichever language its passage was cut in, the stems meet. That also meets
passages that were all cut as English, as layout-2 libraries made before this were.

Chinese, Japanese and Korean are written without spaces between words, so ``\\w+`` takes a
whole clause as one "word" that no question repeats. Runs of those scripts are cut into
overlapping pairs of characters instead ("全文检索" -> "全文 文检 检索"), as Lucene's CJK
analyzer does: no dictionary, any of the three languages, and a question matches a
passage on every pair they share. Latin, Cyrillic and other words around them are cut as
above, so mixed text works.

What these functions return is what libraries of the current store layout hold: a change
that questions' terms no longer meet in existing libraries needs a new layout
(desktop/core/store/schema.py, SCHEMA), so that those are rebuilt rather than searched
with terms they were not cut into.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Function words that match nearly every passage and every question ("what is the"),
# including the question words people start with. Kept short on purpose: words that
# carry meaning in a technical text ("not", "no", "all", "only") stay.
# fmt: off
STOP_WORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "to", "in", "on",
    "at", "by", "for", "with", "from", "into", "onto", "over", "under", "about", "as",
    "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "doing",
    "done", "have", "has", "had", "having", "i", "me", "my", "mine", "we", "us", "our",
    "you", "your", "yours", "he", "him", "his", "she", "her", "it", "its", "they", "them",
    "their", "this", "that", "these", "those", "there", "here", "what", "which", "who",
    "whom", "whose", "when", "where", "why", "how", "can", "could", "should", "would",
    "will", "shall", "may", "might", "must", "so", "than", "too", "very", "just", "also",
    "any", "some", "such", "each", "other", "own", "same", "s", "t", "get", "got",
    "please",
))
# fmt: on

# fmt: off
# Function words of other languages written with spaces between words, for telling a
# passage's language and dropping them from its terms. Only words with no meaning of their
# own; negations ("nicht", "pas", "non") stay, as "not" does in English.
OTHER_STOP_WORDS: dict[str, frozenset[str]] = {
    "german": frozenset((
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem",
        "einen", "und", "oder", "aber", "wenn", "dann", "als", "wie", "ist", "sind", "war",
        "waren", "sein", "wird", "werden", "wurde", "wurden", "hat", "haben", "hatte", "mit",
        "von", "zu", "zum", "zur", "im", "in", "auf", "an", "am", "bei", "beim", "für", "aus",
        "nach", "über", "unter", "vor", "durch", "um", "vom", "ins", "ich", "du", "er",
        "sie", "es", "wir", "ihr", "mich", "mir", "dich", "dir", "sich", "uns", "euch",
        "ihm", "ihn", "ihnen", "seine", "ihre", "dieser", "diese", "dieses", "diesem",
        "diesen", "welche", "welcher", "welches", "wer", "was", "wo", "wann", "warum",
        "kann", "können", "muss", "müssen", "soll", "sollte", "sollen", "auch", "noch",
        "so", "sehr", "schon", "dass", "daß", "ob", "bis", "ich", "mein", "meine",
    )),
    "french": frozenset((
        "le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "et", "ou", "mais",
        "si", "alors", "que", "qu", "qui", "quoi", "dont", "où", "est", "sont", "était",
        "être", "été", "avoir", "a", "ai", "as", "ont", "avait", "ce", "cet", "cette", "ces",
        "ça", "cela", "ceci", "c", "il", "elle", "ils", "elles", "on", "nous", "vous", "je",
        "j", "tu", "me", "m", "te", "t", "se", "s", "n", "ne", "lui", "leur", "leurs", "son",
        "sa", "ses", "mon", "ma", "mes", "ton", "ta", "tes", "notre", "nos", "votre", "vos",
        "dans", "sur", "sous", "pour", "par", "avec", "entre", "vers", "chez", "au",
        "aux", "en", "y", "comment", "quand", "pourquoi", "quel", "quelle", "quels",
        "quelles", "peut", "peux", "pouvez", "puis", "doit", "faut", "très", "aussi",
        "donc", "comme",
    )),
    "spanish": frozenset((
        "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "si",
        "que", "qué", "de", "del", "al", "a", "en", "con", "por", "para", "sobre", "entre",
        "es", "son", "era", "ser", "está", "están", "estar", "fue", "ha", "han", "haber",
        "hay", "como", "cómo", "cuando", "cuándo", "donde", "dónde", "cual", "cuál", "quien",
        "quién", "este", "esta", "estos", "estas", "ese", "esa", "eso", "esto", "lo", "le",
        "les", "se", "me", "te", "nos", "os", "mi", "mis", "tu", "tus", "su", "sus", "yo",
        "él", "ella", "ellos", "ellas", "usted", "ustedes", "muy", "también", "ya",
        "puede", "puedo", "debo",
    )),
    "italian": frozenset((
        "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "di", "del", "della",
        "dei", "delle", "degli", "dello", "a", "al", "alla", "ai", "alle", "da", "dal",
        "dalla", "in", "nel", "nella", "nei", "nelle", "su", "sul", "sulla", "con", "per",
        "tra", "fra", "e", "ed", "o", "ma", "se", "che", "chi", "cosa", "come", "quando",
        "dove", "perché", "è", "sono", "era", "essere", "stato", "ha", "hanno", "avere",
        "questo", "questa", "questi", "queste", "quello", "quella", "mi", "ti", "si", "ci",
        "vi", "io", "tu", "lui", "lei", "noi", "voi", "loro", "suo", "sua", "suoi", "sue",
        "mio", "mia", "molto", "anche", "può", "posso",
    )),
    "portuguese": frozenset((
        "o", "a", "os", "as", "um", "uma", "uns", "umas", "de", "do", "da", "dos", "das",
        "em", "no", "na", "nos", "nas", "por", "pelo", "pela", "para", "com", "e", "ou",
        "mas", "se", "que", "quê", "qual", "quando", "onde", "como", "porque", "é", "são",
        "era", "ser", "estar", "está", "foi", "tem", "têm", "ter", "há", "este", "esta",
        "isso", "isto", "esse", "essa", "eu", "ele", "ela", "eles", "elas", "você",
        "vocês", "seu", "sua", "seus", "suas", "meu", "minha", "muito", "também", "pode",
        "posso",
    )),
    "dutch": frozenset((
        "de", "het", "een", "en", "of", "maar", "als", "dan", "dat", "die", "dit", "deze",
        "wat", "wie", "waar", "wanneer", "waarom", "hoe", "is", "zijn", "was", "waren",
        "wordt", "worden", "werd", "heeft", "hebben", "had", "van", "in", "op", "aan",
        "bij", "met", "voor", "naar", "uit", "over", "onder", "door", "om", "tot", "ik",
        "jij", "je", "hij", "zij", "ze", "wij", "we", "u", "mij", "me", "hem", "haar",
        "ons", "hun", "zich", "er", "ook", "nog", "zo", "zeer", "kan", "kunnen", "moet",
        "moeten",
    )),
    "russian": frozenset((
        "и", "в", "во", "на", "с", "со", "что", "как", "а", "но", "или", "если", "то",
        "это", "этот", "эта", "эти", "тот", "та", "те", "по", "к", "ко", "у", "из", "за",
        "от", "до", "о", "об", "для", "при", "же", "ли", "бы", "был", "была", "было",
        "были", "быть", "есть", "я", "ты", "он", "она", "оно", "мы", "вы", "они", "его",
        "её", "ее", "их", "мне", "меня", "мой", "моя", "свой", "где", "когда", "почему",
        "какой", "какая", "какие", "который", "которая", "которые", "можно", "нужно",
    )),
}
# fmt: on

ENGLISH = "english"
_STOP: dict[str, frozenset[str]] = {ENGLISH: STOP_WORDS, **OTHER_STOP_WORDS}
_STEMMERS = {lang: snowballstemmer.stemmer(lang) for lang in _STOP}
# A passage is taken for another language than English when at least this many of its
# words are that language's function words, and a fifth more than are English ones.
LEAST_FUNCTION_WORDS = 3

_WORD = re.compile(r"\w+", re.UNICODE)
# Han (with extensions and compatibility forms), kana (with half-width katakana), Hangul.
_CJK_CHARS = (
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af\u1100-\u11ff\uff66-\uff9f\U00020000-\U0002fa1f"
)
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")


@lru_cache(maxsize=200_000)
def _stem(word: str, language: str = ENGLISH) -> str:
    stem: str = _STEMMERS[language].stemWord(word)
    return stem


def language_of(words: list[str], least: int = LEAST_FUNCTION_WORDS) -> str:
    """The language (a Snowball stemmer's name) of lowercased words, told by their
    function words: English unless another language has at least ``least`` of them and
    more than English has."""
    counts = {lang: sum(w in stops for w in words) for lang, stops in _STOP.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if best != ENGLISH and counts[best] >= least and counts[best] > 1.2 * counts[ENGLISH]:
        return best
    return ENGLISH


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def terms(text: str, language: str | None = None) -> list[str]:
    """The search terms of a passage, in order: words lowercased (after NFKC, so full-width
    "ＡＰＩ" is "api"), the function words of its language dropped, the rest stemmed in
    that language (told by ``language_of`` unless given); CJK runs as pairs of
    characters. A word made only of digits or a code identifier is kept as written."""
    words = _words(text)
    lang = language or language_of(words)
    stops = _STOP[lang]
    out: list[str] = []
    for word in words:
        if _CJK_RUN.search(word):
            _split_cjk(word, out, lang)
        elif word not in stops:
            out.append(word if not word.isalpha() else _stem(word, lang))
    return out


def query_terms(text: str) -> list[str]:
    """The terms a question is searched with. Its function words are dropped as a
    passage's are (its language told from as little as one of them), and each other
    word is stemmed in every language Fathom cuts, since a short question ("Netzwerk
    konfigurieren") may not show its language: a passage's terms, stemmed in the
    passage's own language, then meet whichever stem is theirs."""
    words = _words(text)
    lang = language_of(words, least=1)
    stops = _STOP[lang]
    out: list[str] = []
    for word in words:
        if _CJK_RUN.search(word):
            _split_cjk(word, out, lang)
        elif word in stops:
            continue
        elif not word.isalpha():
            out.append(word)
        else:
            out.extend(dict.fromkeys(_stem(word, other) for other in _STEMMERS))
    return out


def _split_cjk(word: str, out: list[str], language: str) -> None:
    """Append the terms of a word with CJK characters in it: each CJK run as its pairs of
    characters (a lone character as itself), what lies between as ordinary words."""
    at = 0
    for run in _CJK_RUN.finditer(word):
        if run.start() > at:
            out.extend(terms(word[at : run.start()], language))
        chars = run.group()
        out.extend(
            [chars] if len(chars) == 1 else [chars[i : i + 2] for i in range(len(chars) - 1)]
        )
        at = run.end()
    if at < len(word):
        out.extend(terms(word[at:], language))


def lexical_text(text: str) -> str:
    """The terms joined by spaces: what the BM25 field holds and what a question is
    searched with. Never empty for a non-empty text (a question made only of stop words
    keeps its words), since an empty BM25 query matches nothing."""
    return " ".join(terms(text) or _words(text))


def query_text(text: str) -> str:
    """A question as the BM25 field is searched with: ``query_terms`` joined by spaces,
    or its words as they are when all of them are function words."""
    return " ".join(query_terms(text) or _words(text))
