"""Search text in the professional's own words: folding, Dutch stems and
compounds, shared by the index (``services.service_refresh_search``) and the
query (``search.compile_query``), on SQLite and PostgreSQL alike.

The word list is derived from the OpenTaal Dutch dictionary (Debian's
``hunspell-nl``) by ``bin/derive-dutch-words`` and committed in
``registry/language/`` with its licence, so the app needs no system package.

- ``stem``: a light Dutch normaliser: a plural or inflected form becomes the
  dictionary word ("behandelingen" -> "behandeling", "problemen" -> "probleem",
  "stoornissen" -> "stoornis"). Words the dictionary does not know stay as
  they are (names, abbreviations).
- ``split``: a compound into dictionary words of at least ``MIN_PART`` letters
  as the dictionary's compounding flags allow, with the Dutch linking -s-
  ("gezinsbegeleiding" -> gezin + begeleiding; linking -e-/-en- forms such as
  "kinder" or "middelen" are dictionary entries of their own), fewest parts first.
- ``index_tokens``: what the index holds for a text: every word, its stem and
  the stems of its parts, so a part finds the whole and the whole its parts.
"""

import gzip
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

WORDS_FILE = Path(__file__).parent / "language" / "nl_words.txt.gz"
MIN_PART = 3
MIN_COMPOUND = 7
_WORD = re.compile(r"[a-z0-9]+")
_VOWELS = set("aeiou")
# The per-word functions below are pure (the lexicon is a file in the
# repository, read once per process), so their results are memoised: an import
# or a full index rebuild looks up a vocabulary of a few thousand words
# millions of times. Bounded, as query words come from anyone on the internet.
WORD_CACHE_SIZE = 65536


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip accents: "Cliënten" -> "clienten"."""
    text = text or ""
    if text.isascii():  # most of a catalogue: nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` in order (repeats kept)."""
    return _WORD.findall(fold(text))


@cache
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(all words, compound heads, heads taking a linking s, compound ends)."""
    words, heads, s_heads, ends = set(), set(), set(), set()
    with gzip.open(WORDS_FILE, "rt", encoding="utf-8") as handle:
        for line in handle:
            word, _colon, flags = line.strip().partition(":")
            words.add(word)
            if "b" in flags:
                heads.add(word)
            if "s" in flags:
                s_heads.add(word)
            if "e" in flags:
                ends.add(word)
    return frozenset(words), frozenset(heads), frozenset(s_heads), frozenset(ends)


def dictionary() -> frozenset[str]:
    """The Dutch words (folded, letters only, 3 letters or more)."""
    return _lexicon()[0]


def _stem_candidates(word: str):  # noqa: C901 - one rule per Dutch ending
    if word.endswith("heden"):
        yield word[:-5] + "heid"
    if word.endswith("eren") and len(word) > 6:
        yield word[:-4]  # kinderen -> kind
    if word.endswith(("en", "es")) and len(word) > 4:
        base = word[:-2]
        yield base
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in _VOWELS:
            yield base[:-1]  # stoornissen -> stoornis
        if (
            len(base) > 2
            and base[-1] not in _VOWELS
            and base[-2] in _VOWELS
            and base[-3] not in _VOWELS
        ):
            yield base[:-1] + base[-2] + base[-1]  # problemen -> probleem
        if base.endswith("v"):
            yield base[:-1] + "f"  # brieven -> brief (after lengthening)
        if base.endswith("z"):
            yield base[:-1] + "s"
    if word.endswith("s") and len(word) > 4:
        yield word[:-1]
        if word.endswith("'s"):
            yield word[:-2]
    if word.endswith("e") and len(word) > 4:
        yield word[:-1]  # verstandelijke -> verstandelijk
    if word.endswith("n") and len(word) > 4:
        yield word[:-1]  # ziekten -> ziekte


@lru_cache(maxsize=WORD_CACHE_SIZE)
def stem(word: str) -> str:
    """The dictionary form of ``word`` (a folded word), or ``word`` itself."""
    known = dictionary()
    if word in known or not word.isalpha():
        return word
    for candidate in _stem_candidates(word):
        if candidate in known:
            return candidate
        # A lengthened vowel: "problem" -> "probleem".
        if len(candidate) > 2 and candidate[-2] in _VOWELS:
            longer = candidate[:-1] + candidate[-2] + candidate[-1]
            if longer in known:
                return longer
    return word


@lru_cache(maxsize=WORD_CACHE_SIZE)
def split(word: str) -> tuple[str, ...]:
    """The parts of a compound (their stems), or ``()`` when ``word`` is none.

    Only what the dictionary allows: every part but the last may begin a
    compound (as it is, or with a linking s), the last may end one (as it is or
    inflected: "angststoornissen" -> angst + stoornis). Fewest parts win, then
    the longest first part.
    """
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    _words, heads, s_heads, ends = _lexicon()
    n = len(word)
    best: dict[int, tuple[str, ...] | None] = {}
    for start in range(n - MIN_PART, -1, -1):
        tail = word[start:]
        options = [(stem(tail),)] if stem(tail) in ends and start > 0 else []
        for end in range(start + MIN_PART, n - MIN_PART + 1):
            head = word[start:end]
            if head in heads and best.get(end):
                options.append((head, *best[end]))
            if head in s_heads and word.startswith("s", end) and best.get(end + 1):
                options.append((head, *best[end + 1]))
        best[start] = (
            min(options, key=lambda o: (len(o), -len(o[0]))) if options else None
        )
    parts = best.get(0)
    return parts if parts and len(parts) > 1 else ()


def word_forms(word: str) -> list[str]:
    """What the index holds for one folded word: the word, its stem and the
    stems of its compound parts (in that order, without repeats)."""
    return list(_word_forms(word))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_forms(word: str) -> tuple[str, ...]:
    # A tuple: the cached value is shared and must not be changed by a caller.
    return tuple(dict.fromkeys([word, stem(word), *split(word)]))


def index_tokens(text: str) -> list[str]:
    """The index text of ``text``: its words in order, then the stems and
    parts they add (so the original words stay side by side)."""
    words = tokens(text)
    extra = [form for word in words for form in _word_forms(word)[1:]]
    return list(dict.fromkeys(words + extra))


def index_text(*sections: str) -> str:
    """The stored index text: each section's ``index_tokens``, sections joined
    by " | " (the first is the title, which ranks first on SQLite), with a
    space before every token so "% tok%" is a prefix match of a whole token."""
    return joined_sections([" ".join(index_tokens(section)) for section in sections])


def joined_sections(parts: Iterable[str]) -> str:
    """``index_text`` from the sections' index tokens already joined by spaces."""
    return " " + " | ".join(parts) + " "


def vocabulary(text: str) -> set[str]:
    """Index tokens worth offering as a spelling correction: letters, 3 or more."""
    return {t for t in _WORD.findall(text) if len(t) >= 3 and t.isalpha()}


# --- the query -----------------------------------------------------------------

MAX_PHRASE = 4


@dataclass(frozen=True)
class QueryUnit:
    """One thing the searcher asked for: a word or a known phrase.

    A service matches the unit when its index holds every token of any one of
    ``alternatives`` (as a prefix of a word; tokens under 3 letters whole).
    ``also`` are the thesaurus terms it added ("ook gezocht op").
    """

    text: str
    alternatives: tuple[tuple[str, ...], ...]
    also: tuple[str, ...] = ()


def phrase_key(phrase: str) -> str:
    """How the thesaurus recognises a phrase: its stemmed words."""
    return " ".join(stem(word) for word in tokens(phrase))


def query_units(
    words: list[str],
    thesaurus: Mapping[str, Iterable[str]],
    corrections: Mapping[str, str],
) -> tuple[QueryUnit, ...]:
    """The units of a search. ``thesaurus`` maps a ``phrase_key`` to the terms
    that key also finds; ``corrections`` a misspelt word to a known one. The
    longest phrase the thesaurus knows wins ("licht verstandelijke beperking")."""
    units = []
    position = 0
    while position < len(words):
        size = next(
            (
                n
                for n in range(min(MAX_PHRASE, len(words) - position), 1, -1)
                if phrase_key(" ".join(words[position : position + n])) in thesaurus
            ),
            1,
        )
        units.append(_unit(words[position : position + size], thesaurus, corrections))
        position += size
    return tuple(units)


def _unit(words, thesaurus, corrections) -> QueryUnit:
    text = " ".join(words)
    alternatives = [tuple(stem(word) for word in words)]
    if len(words) == 1:
        parts = split(words[0])
        if parts:
            alternatives.append(parts)
        if words[0] in corrections:
            alternatives.append((corrections[words[0]],))
    also = [term for term in thesaurus.get(phrase_key(text), ()) if fold(term) != text]
    for term in also:
        alternatives.append(tuple(stem(word) for word in tokens(term)))
    unique = tuple(dict.fromkeys(a for a in alternatives if a))
    return QueryUnit(text=text, alternatives=unique, also=tuple(also))


def index_substring(token: str) -> str:
    """What the index text must contain for a token: a word starting with it,
    or the whole word when it is under 3 letters (as the tsquery has it)."""
    return f" {token}" if len(token) >= 3 else f" {token} "


def tsquery(units: Iterable[QueryUnit], as_typed: bool = False) -> str:
    """The raw ``to_tsquery('simple', ...)`` string of the units: every unit
    must match. ``as_typed``: only the words as typed, any of them (to rank
    those above what the thesaurus, compound parts or a correction added).
    Safe to pass raw as tokens are [a-z0-9]+ only."""

    def term(token: str) -> str:
        return f"{token}:*" if len(token) >= 3 else token

    def alternatives(unit):
        chosen = unit.alternatives[:1] if as_typed else unit.alternatives
        return (
            "(" + " | ".join("(" + " & ".join(map(term, a)) + ")" for a in chosen) + ")"
        )

    return (" | " if as_typed else " & ").join(alternatives(u) for u in units)


# --- spelling --------------------------------------------------------------------

TRIGRAM_THRESHOLD = 0.3  # pg_trgm.similarity_threshold's default


def trigrams(word: str) -> set[str]:
    """The trigrams pg_trgm takes of one word: padded with two spaces in front
    and one behind."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity``: shared trigrams over all trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta or tb else 0.0


def correction(word: str, vocabulary: Iterable[str]) -> str:
    """The most similar known term (ties by alphabet), as PostgreSQL's
    ``ORDER BY similarity DESC, term`` over ``term % word`` gives it."""
    scored = [
        (similarity(term, word), term)
        for term in vocabulary
        if similarity(term, word) >= TRIGRAM_THRESHOLD
    ]
    if not scored:
        return ""
    return min(scored, key=lambda pair: (-pair[0], pair[1]))[1]
