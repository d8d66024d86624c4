"""What a visitor typed, understood before it is searched.

- A country named among other words (English or Chinese name, as django-countries
  has them, or a demonym: "Italy", "意大利", "Italian") becomes a country filter the
  visitor sees and can remove; "China Italy" alone stays words, as does a query
  whose words are all in some record's names ("Bank of China").
- A plural or simple inflection is searched as its stem ("cooperatives" ->
  "cooperative", which as a prefix finds both; "industry" -> "industr").
- A word the directory holds nowhere, close to one it holds, is searched as that
  one ("coperative" -> "cooperative"), and the correction is said.

understand(query, models) returns an Understood; the callers (the search page and
the API) turn its countries into the country filter and say what it changed.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection
from django.utils import translation

from . import engine, text

# Demonyms people type for a country (django-countries has names, not these).
DEMONYMS = {
    "afghan": "AF", "albanian": "AL", "algerian": "DZ", "argentine": "AR",
    "argentinian": "AR", "armenian": "AM", "australian": "AU", "austrian": "AT",
    "azerbaijani": "AZ", "bangladeshi": "BD", "belarusian": "BY", "belgian": "BE",
    "bolivian": "BO", "bosnian": "BA", "brazilian": "BR", "british": "GB",
    "bulgarian": "BG", "cambodian": "KH", "cameroonian": "CM", "canadian": "CA",
    "chilean": "CL", "chinese": "CN", "colombian": "CO", "croatian": "HR",
    "cuban": "CU", "cypriot": "CY", "czech": "CZ", "danish": "DK", "dutch": "NL",
    "ecuadorian": "EC", "egyptian": "EG", "emirati": "AE", "english": "GB",
    "estonian": "EE", "ethiopian": "ET", "filipino": "PH", "finnish": "FI",
    "french": "FR", "georgian": "GE", "german": "DE", "ghanaian": "GH",
    "greek": "GR", "hungarian": "HU", "icelandic": "IS", "indian": "IN",
    "indonesian": "ID", "iranian": "IR", "iraqi": "IQ", "irish": "IE",
    "israeli": "IL", "italian": "IT", "ivorian": "CI", "jamaican": "JM",
    "japanese": "JP", "jordanian": "JO", "kazakh": "KZ", "kenyan": "KE",
    "korean": "KR", "kuwaiti": "KW", "kyrgyz": "KG", "lao": "LA", "latvian": "LV",
    "lebanese": "LB", "libyan": "LY", "lithuanian": "LT", "luxembourgish": "LU",
    "malaysian": "MY", "maltese": "MT", "mexican": "MX", "moldovan": "MD",
    "mongolian": "MN", "moroccan": "MA", "mozambican": "MZ", "nepali": "NP",
    "nepalese": "NP", "nigerian": "NG", "norwegian": "NO", "pakistani": "PK",
    "peruvian": "PE", "philippine": "PH", "polish": "PL", "portuguese": "PT",
    "qatari": "QA", "romanian": "RO", "russian": "RU", "rwandan": "RW",
    "saudi": "SA", "scottish": "GB", "senegalese": "SN", "serbian": "RS",
    "singaporean": "SG", "slovak": "SK", "slovenian": "SI", "spanish": "ES",
    "sri lankan": "LK", "sudanese": "SD", "swedish": "SE", "swiss": "CH",
    "syrian": "SY", "taiwanese": "TW", "tajik": "TJ", "tanzanian": "TZ",
    "thai": "TH", "tunisian": "TN", "turkish": "TR", "turkmen": "TM",
    "ugandan": "UG", "ukrainian": "UA", "uruguayan": "UY", "uzbek": "UZ",
    "venezuelan": "VE", "vietnamese": "VN", "welsh": "GB", "yemeni": "YE",
    "zambian": "ZM", "zimbabwean": "ZW", "american": "US", "new zealand": "NZ",
    "south african": "ZA", "south korean": "KR", "north korean": "KP",
}  # fmt: skip
# Short names people use for countries django-countries names at length.
ALIASES = {
    "united states": "US", "usa": "US", "america": "US", "uk": "GB",
    "britain": "GB", "great britain": "GB", "england": "GB", "russia": "RU",
    "korea": "KR", "czech republic": "CZ", "holland": "NL", "vietnam": "VN",
    "美国": "US", "英国": "GB", "俄罗斯": "RU", "韩国": "KR",
}  # fmt: skip
# The longest country name in words ("Saint Vincent and the Grenadines").
MAX_NAME_WORDS = 6
# A word this short is left as typed: one edit from it is a different word.
TYPO_MIN_LENGTH = 4


@dataclass
class Understood:
    """The query to search, and what was read into the query as typed."""

    typed: str
    query: str
    countries: list = field(default_factory=list)  # ISO codes, as a filter
    country_words: list = field(default_factory=list)  # as typed
    corrections: list = field(default_factory=list)  # [(typed, meant)]

    @property
    def corrected(self):
        """Return the query as typed with its typos corrected (what to say)."""
        fixes = dict(self.corrections)
        return " ".join(fixes.get(word.casefold(), word) for word in self.typed.split())


@lru_cache(maxsize=1)
def country_keys():
    """Return {folded name: code}: English and Chinese names, demonyms, aliases."""
    from django_countries import countries

    keys = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for code, name in countries:
                name = str(name)
                keys.setdefault(text.key(name), code)
                bare = re.sub(r"\s*\(.*?\)", "", name).split(",")[0]
                keys.setdefault(text.key(bare), code)
    for name, code in {**ALIASES, **DEMONYMS}.items():
        keys.setdefault(text.key(name), code)
    return keys


@lru_cache(maxsize=1)
def _chinese_names():
    """Return {Chinese name: code}, longest first, to find one inside a run of Han."""
    from django_countries import countries

    with translation.override("zh-hans"):
        names = {str(name): code for code, name in countries}
    names.update({k: v for k, v in ALIASES.items() if text.HAN.search(k)})
    return dict(sorted(names.items(), key=lambda item: -len(item[0])))


def find_countries(words):
    """Return ([code, …], [country words], [other words]) of a list of words."""
    return find_phrases(words, country_keys(), _chinese_names())


def find_phrases(words, keys, inside=None):
    """Return ([value, …], [phrases], [other words]): the runs of words whose key
    is one of keys ({text.key(phrase): value}), longest first; inside: {name:
    value} of names to find within a run of Han too."""
    values, named, rest = [], [], []
    index = 0
    while index < len(words):
        for size in range(min(MAX_NAME_WORDS, len(words) - index), 0, -1):
            phrase = " ".join(words[index : index + size])
            value = keys.get(text.key(phrase))
            if value:
                values.append(value)
                named.append(phrase)
                index += size
                break
        else:
            word = words[index]
            found = next((k for k in inside or () if k in word), None)
            if found and found != word:
                values.append(inside[found])
                named.append(found)
                rest.extend(part for part in word.split(found, 1) if part)
            else:
                rest.append(word)
            index += 1
    return list(dict.fromkeys(values)), named, rest


def stem(word):
    """Return the form to search a plural or inflection of word as, or word.

    Only towards a form the directory holds, so a name is never cut short.
    """
    folded = text.fold(word)
    if not (folded.isascii() and folded.isalpha() and len(folded) >= 4):
        return word
    candidates = []
    if folded.endswith("ies"):
        candidates.append(folded[:-3] + "y")
    if folded.endswith("es"):
        candidates.append(folded[:-2])
    if folded.endswith("s") and not folded.endswith("ss"):
        candidates.append(folded[:-1])
    known = engine.known_words(set(candidates)) if candidates else set()
    for candidate in candidates:
        if candidate in known:
            # industry -> industr finds industries too; cooperative, cooperatives.
            return candidate[:-1] if candidate.endswith("y") else candidate
    if folded.endswith("y") and engine.known_words({folded[:-1] + "ies"}):
        return folded[:-1]
    return word


def correct(word):
    """Return the directory word word most likely meant, or "" when it is known."""
    folded = text.fold(word)
    if not (
        folded.isascii() and folded.isalpha() and len(folded) >= TYPO_MIN_LENGTH
    ) or engine.has_prefix(folded):
        return ""
    most = 1 if len(folded) < 6 else 2
    for close in engine.similar_words(folded, limit=3):
        if text.edit_distance(folded, close, limit=most) <= most:
            return close
    return ""


def names_hold(words, models):
    """Return whether some record of models has every word in its names."""
    terms = text.parse(" ".join(words))
    if not terms:
        return False
    query = engine.compile_query(terms, names_only=True)
    for model in models:
        sql, params = engine.match_sql(model, query, names_only=True)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM ({sql}) AS hit LIMIT 1", params)
            if cursor.fetchone():
                return True
    return False


def is_a_name(words, models):
    """Return whether the words are exactly the name of a record of models."""
    key = text.key(" ".join(words))
    for model in models:
        sql, params = engine.key_sql(model, key)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM ({sql}) AS hit LIMIT 1", params)
            if cursor.fetchone():
                return True
    return False


def names_a_record(words, named, models):
    """Return whether a run of words holding a country word is a record's name
    ("Bank of China" in "Bank of China branches")."""
    folded = [text.key(word) for word in words]
    spots = {i for i, word in enumerate(folded) for n in named if word in text.key(n)}
    for start in range(len(words)):
        for stop in range(start + 2, min(len(words), start + MAX_NAME_WORDS) + 1):
            if spots & set(range(start, stop)) and is_a_name(words[start:stop], models):
                return True
    return False


def understand(query, models, literal=False):
    """Return an Understood of query over the records of models, kept for this
    version of the index (every write raises it)."""
    from . import normalise_query
    from .found import memo

    typed = normalise_query(query)
    if literal or not typed:
        return Understood(typed=typed, query=typed)
    labels = tuple(model._meta.label for model in models)
    return memo(("understand", typed, labels), lambda: _understand(typed, models))


def _understand(typed, models):
    result = Understood(typed=typed, query=typed)
    words = typed.split()
    # An exact name stays as typed: its exact-name rank needs every word as is.
    if '"' in typed or is_a_name(words, models):
        return result
    fixed = []
    for word in words:
        meant = correct(word)
        if meant:
            result.corrections.append((word.casefold(), meant))
        fixed.append(stem(meant or word))
    codes, named, rest = find_countries(fixed)
    if (
        codes
        and rest
        and not names_hold(fixed, models)
        and not names_a_record(words, named, models)
    ):
        result.countries, result.country_words = codes, named
        fixed = rest
    result.query = " ".join(fixed)
    return result
