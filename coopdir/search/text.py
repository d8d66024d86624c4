"""Text analysis shared by both engines, so both see exactly the same tokens.

Neither SQLite's unicode61 tokenizer nor PostgreSQL's parser folds accents the same
way or segments Chinese, so coopdir analyses text in Python and hands the engines
plain space-separated tokens: folded (case, accents), split on punctuation with the
joined form of compounds kept too (``Co-op`` -> co, op, coop), Chinese and Japanese
runs as overlapping character bigrams (as Lucene's CJK analyzer does), and the
pinyin of Chinese runs (every suffix of the syllables joined, so a prefix query for
``gongxiao`` or ``gongxiaohezuo`` finds 供销合作).
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Han (with extensions and compatibility forms), kana: scripts written without spaces.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002ffff\U00030000-\U0003134f"
)
CJK_RUN = re.compile(f"[{_CJK}]+")
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
WORD = re.compile(r"[^\W_]+")
# A word joined to the next by punctuation people also leave out: Co-op, U.S., O'Neil.
COMPOUND = re.compile(r"[^\W_]+(?:[-‐‑–'’./&+][^\W_]+)+")
# Letters NFKD does not decompose.
_EXTRA_FOLDS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)
MAX_TOKEN = 60
FUZZY_MIN_LENGTH = 5
# A prefix this long is looked up as the words it stands for, when they are few
# (every indexed token this long is in the vocabulary): the engines then read a few
# words' lists lazily, page first, instead of merging every word's with the prefix.
EXPAND_MIN = 3
# A phrase is matched on its first MAX_PHRASE words (a longer one is pasted text, and
# checking it position by position on every candidate costs seconds at scale).
MAX_PHRASE = 12


def fold(text):
    """Return text case- and accent-folded: Coopérative -> cooperative."""
    text = unicodedata.normalize("NFKD", str(text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", text.translate(_EXTRA_FOLDS))


def _split_cjk(text):
    return CJK_RUN.sub(lambda m: f" {m.group(0)} ", text)


def bigrams(run):
    """Return the overlapping character bigrams of a CJK run (one char: itself)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def pinyin_suffixes(run):
    """Return every suffix of the run's pinyin syllables, joined: 供销社 -> ..."""
    if not HAN.search(run):
        return []
    from pypinyin import lazy_pinyin

    syllables = [fold(s) for s in lazy_pinyin(run) if s.isalpha()]
    return ["".join(syllables[i:])[:MAX_TOKEN] for i in range(len(syllables))]


def tokens(text):
    """Return the main tokens of text, in order (the positions phrases rely on)."""
    result = []
    for word in WORD.findall(_split_cjk(fold(text))):
        if CJK_RUN.fullmatch(word):
            result.extend(bigrams(word))
        else:
            result.append(word[:MAX_TOKEN])
    return result


def extra_tokens(text, pinyin=False):
    """Return the tokens indexed besides the main ones: joined compounds, pinyin."""
    folded = _split_cjk(fold(text))
    extra = []
    for compound in COMPOUND.findall(folded):
        extra.append("".join(WORD.findall(compound))[:MAX_TOKEN])
    if pinyin:
        for run in CJK_RUN.findall(folded):
            extra.extend(pinyin_suffixes(run))
    return extra


def key(text):
    """Return the form under which a whole name is matched exactly."""
    return " ".join(tokens(text))[:300]


def is_fuzzy_word(token):
    return len(token) >= FUZZY_MIN_LENGTH and token.isascii() and token.isalpha()


def vocabulary(token_list):
    """Return the indexed words typo matching corrects towards and prefixes expand
    to: every token of EXPAND_MIN characters or more."""
    return {t for t in token_list if len(t) >= EXPAND_MIN}


@dataclass
class Alternative:
    """A run of tokens that must appear in this order; the last one maybe a prefix."""

    tokens: list
    prefix: bool = False
    # The indexed words the prefix stands for, when they are few (see plan()).
    expansions: list | None = None


@dataclass
class Term:
    """One thing the user asked for: any of its alternatives matches it."""

    alternatives: list
    text: str = ""
    fuzzy: list = field(default_factory=list)  # indexed words one edit away


QUOTED = re.compile(r'"([^"]*)"?')


def parse(query):
    """Return the Terms of query, all of which a record must match."""
    terms = []
    folded = fold(query)
    for index, part in enumerate(QUOTED.split(folded)):
        if index % 2:  # inside quotes: one phrase, exact words
            phrase = tokens(part)[:MAX_PHRASE]
            if phrase:
                terms.append(Term([Alternative(phrase)], text=part))
            continue
        for chunk in _split_cjk(part).split():
            words = tokens(chunk)[:MAX_PHRASE]
            if not words:
                continue
            if CJK_RUN.fullmatch(chunk):
                alternatives = [Alternative(words, prefix=len(chunk) == 1)]
                terms.append(Term(alternatives, text=chunk))
                continue
            # A word of one or two letters is taken as typed: as a prefix it
            # would stand for a large part of the vocabulary.
            alternatives = [Alternative(words, prefix=len(words[-1]) >= EXPAND_MIN)]
            if len(words) > 1:
                alternatives.append(Alternative(["".join(words)[:MAX_TOKEN]]))
            terms.append(Term(alternatives, text=chunk))
    unique, seen = [], set()
    for term in terms:
        signature = tuple((tuple(a.tokens), a.prefix) for a in term.alternatives)
        if signature not in seen:
            seen.add(signature)
            unique.append(term)
    return unique


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def edits1(word):
    """Return every string one deletion, insertion or substitution from word."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | replaces | inserts) - {word}


def edit_distance(a, b, limit=3):
    """Return the Levenshtein distance of a and b (limit + 1 when above limit)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
