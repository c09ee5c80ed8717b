"""What a buyer's own words ask for: certifications read from the text, and separate needs.

Certifications are read clause by clause, in English and Korean, against the vocabulary of the
database's certification names plus the synonyms below; the clause's cue words tell mandatory
("mandatory", "must", "required", "only", 필수, 반드시) from preferred ("a plus", "preferred",
"ideally", 우대, 선호, 더 좋습니다) from not asked of the supplier ("we handle ... ourselves",
저희가 ... 진행합니다). A certification named without a cue ("halal-certified sauces", "CE and UL
listed") is a property of what the buyer buys: mandatory.

Needs: a text such as "Vision inspection for electrode coating, and a partner for MES
integration" is split where a new need starts (sentences that ask for something, and within
them "as well as", "and a partner for", "plus", 그리고, 및, 또한 ...); sentences that only state
who the buyer is, requirements or conditions are not needs.
"""

import re
from dataclasses import dataclass, field

# Synonyms of certification names (casefolded) -> the name as the database usually spells it.
SYNONYMS = {
    "halal": "Halal", "할랄": "Halal", "jakim": "Halal", "mui": "Halal",
    "organic": "Organic", "유기농": "Organic", "usda organic": "Organic",
    "vegan": "Vegan", "비건": "Vegan", "채식": "Vegan",
    "kosher": "Kosher", "코셔": "Kosher",
    "haccp": "HACCP", "해썹": "HACCP", "해섭": "HACCP",
    "gmp": "GMP", "cgmp": "GMP", "fda": "FDA", "ce": "CE", "ce marking": "CE",
    "ce-marked": "CE", "ce marked": "CE", "ul": "UL", "kc": "KC", "rohs": "RoHS",
    "fsc": "FSC", "brc": "BRC", "fssc 22000": "FSSC 22000", "eac": "EAC", "lfgb": "LFGB",
}

MANDATORY = ("mandatory", "must", "required", "requires", "require", "need to", "needs to",
             "only", "essential", "compulsory", "obligatory", "have to", "has to",
             "필수", "반드시", "만 ", "만을", "해야", "되어야", "있어야", "필요합니다", "필요해")
PREFERRED = ("a plus", "plus", "preferred", "preferably", "prefer", "ideally", "ideal",
             "nice to have", "welcome", "would help", "bonus", "advantage", "if possible",
             "우대", "선호", "더 좋", "좋겠", "가점", "우선", "가능하면", "있으면")
NOT_ASKED = ("ourselves", "we handle", "we take care", "we do the", "not required",
             "not needed", "no need", "저희가", "직접 진행", "현지에서 진행", "필요 없", "불필요")

_CLAUSES = re.compile(r"(?<=[.!?;。])\s+|\n+|;\s*|(?<=다)\.\s*|,\s+(?=(?:and |but |while ))"
                      r"|\s+(?=(?:but|while|whereas)\s)")
_SENTENCES = re.compile(r"(?<=[.!?;。])\s+|\n+|;\s*")
_NEED_BREAKS = re.compile(
    r",?\s+(?:and\s+)?(?:also\s+)?(?:as well as|plus|along with|together with|in addition to)\s+"
    r"|,?\s+and\s+(?:also\s+)?(?:a|an|some)\s+(?=(?:partner|supplier|maker|manufacturer|"
    r"vendor|company|source|provider)\b)"
    r"|\s*(?:그리고|또한|아울러)\s+|\s+및\s+")
# Words that ask for something: a sentence without one (who the buyer is, a condition) is
# context, not a need.
ASKING = ("looking for", "look for", "seeking", "seek", "sourcing", "source", "need", "want",
          "interested in", "of interest", "require", "searching", "buy", "purchase", "import",
          "procure", "partner for", "supplier for", "찾", "구매", "구입", "수입", "필요", "관심",
          "조달", "원합니다", "검토")
_WORD = re.compile(r"\w+")
CERTIFICATION_WORDS = ("certif", "인증", "registered", "registration", "등록", "marking",
                       "marked", "compliance", "compliant", "listed", "clearance", "approval")


@dataclass
class Requirements:
    mandatory: list[str] = field(default_factory=list)   # names as the vocabulary spells them
    preferred: list[str] = field(default_factory=list)


def vocabulary(names: list[str]) -> dict[str, str]:
    """Casefolded term -> certification name: the database's names and the synonyms (a synonym
    maps to the database's spelling when the database has that certification)."""
    known = {name.casefold(): name for name in names}
    terms = dict(known)
    for synonym, canonical in SYNONYMS.items():
        terms.setdefault(synonym, known.get(canonical.casefold(), canonical))
    return terms


def _term_pattern(term: str) -> re.Pattern:
    escaped = re.escape(term).replace(r"\ ", r"[\s-]?")
    if term.isascii():  # whole words only: "ce" is not in "price", "ul" not in "ultra"
        return re.compile(rf"(?<![\w]){escaped}(?![\w])", re.IGNORECASE)
    return re.compile(escaped)


_PATTERNS: dict[str, re.Pattern] = {}


def _mentions(clause: str, terms: dict[str, str]) -> list[str]:
    found = []
    for term, name in sorted(terms.items(), key=lambda item: -len(item[0])):
        pattern = _PATTERNS.get(term) or _PATTERNS.setdefault(term, _term_pattern(term))
        if pattern.search(clause) and name not in found:
            if term.isascii() and len(term) <= 3 and not _is_acronym(clause, term):
                continue
            found.append(name)
    return found


def _is_acronym(clause: str, term: str) -> bool:
    """Short names ("CE", "UL", "KC") count only when written in capitals."""
    return re.search(rf"(?<![\w]){re.escape(term.upper())}(?![\w])", clause) is not None


def _has(clause: str, cues: tuple[str, ...]) -> bool:
    lowered = f" {clause.casefold()} "
    return any((f" {cue}" in lowered or f"-{cue}" in lowered) if cue.isascii() else cue in lowered
               for cue in cues)


def extract(text: str, names: list[str]) -> Requirements:
    """The certifications `text` asks for, mandatory or preferred, against the database's
    certification `names` (and the synonyms of this module). A certification takes the cue
    of its own comma-separated part of the sentence, else the cue nearest to it."""
    terms = vocabulary(names)
    out = Requirements()
    for clause in _CLAUSES.split(text or ""):
        if not clause or not clause.strip() or _has(clause, NOT_ASKED):
            continue
        for name in _mentions(clause, terms):
            kind = _kind_at(clause, _position(clause, name, terms))
            target = out.mandatory if kind == "mandatory" else out.preferred
            if name not in out.mandatory and name not in target:
                target.append(name)
    out.preferred = [name for name in out.preferred if name not in out.mandatory]
    return out


def _position(clause: str, name: str, terms: dict[str, str]) -> int:
    """Where in `clause` the certification `name` is first named (by any of its terms)."""
    found = [match.start() for term, spelled in terms.items() if spelled == name
             for match in [(_PATTERNS.get(term) or _PATTERNS.setdefault(
                 term, _term_pattern(term))).search(clause)] if match]
    return min(found) if found else 0


def _kind_at(clause: str, at: int) -> str:
    """"mandatory" or "preferred": the cue of the comma part holding position `at`, else the
    nearest cue in the clause, else mandatory (a certification named as a property)."""
    start = clause.rfind(",", 0, at) + 1
    end = clause.find(",", at)
    part = clause[start:end if end >= 0 else len(clause)]
    if _has(part, PREFERRED) and not _has(part, MANDATORY):
        return "preferred"
    if _has(part, MANDATORY):
        return "mandatory"
    lowered = clause.casefold()
    nearest, kind = len(clause) + 1, "mandatory"
    for cues, label in ((MANDATORY, "mandatory"), (PREFERRED, "preferred")):
        for cue in cues:
            position = lowered.find(cue.strip())
            while position >= 0:
                if abs(position - at) < nearest:
                    nearest, kind = abs(position - at), label
                position = lowered.find(cue.strip(), position + 1)
    return kind


def need_text(text: str, names: list[str]) -> str:
    """What is sought, without what it must hold: sentences that only state requirements are
    left out and certification names removed, so that neither the meaning nor the words of
    "Halal is mandatory" make a Halal product of another kind look relevant (the
    certification signal judges certificates). The text itself when nothing is left."""
    terms = vocabulary(names)
    kept = []
    for sentence in _SENTENCES.split(text or ""):
        if not sentence.strip() or _only_conditions(sentence, terms):
            continue
        for term in sorted(terms, key=len, reverse=True):
            pattern = _PATTERNS.get(term) or _PATTERNS.setdefault(term, _term_pattern(term))
            if term.isascii() and len(term) <= 3 and not _is_acronym(sentence, term):
                continue
            sentence = pattern.sub(" ", sentence)
        kept.append(" ".join(sentence.split()))
    stripped = " ".join(part for part in kept if _WORD.search(part))
    return stripped if len(_WORD.findall(stripped)) >= 1 else (text or "").strip()


def split_needs(text: str, names: list[str] | None = None) -> list[str]:
    """The separate needs stated in `text`, or `[text]` when it states one: sentences that ask
    for something, split further where a new need is joined on ("as well as", "plus", "and a
    partner for", 그리고, 또한, 및); requirement sentences and context are not needs."""
    terms = vocabulary(names or [])
    needs = []
    for sentence in _SENTENCES.split(text or ""):
        sentence = sentence.strip(" ,.")
        if not sentence or not _has(sentence, ASKING) or _only_conditions(sentence, terms):
            continue
        for piece in _NEED_BREAKS.split(sentence):
            piece = piece.strip(" ,.")
            rest = piece
            for name in _mentions(piece, terms):
                rest = re.sub(re.escape(name), " ", rest, flags=re.IGNORECASE)
            words = _WORD.findall(rest)
            if len(words) >= 2 and not _only_conditions(piece, terms):
                needs.append(need_text(piece, names or []))
    return needs if len(needs) > 1 else [text.strip()] if text and text.strip() else []


STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "be", "by", "for", "from", "have", "has", "is", "it", "its",
    "must", "of", "on", "or", "our", "the", "their", "this", "to", "we", "with", "will",
    "would", "should", "all", "any", "being", "been", "은", "는", "이", "가", "을", "를", "도"))


def _only_conditions(piece: str, terms: dict[str, str] | None = None) -> bool:
    """A requirement sentence ("Halal is mandatory", "FDA 등록 필수") rather than a need: a
    cue word, a certification (named, or certification words), and little else (at most
    four other words)."""
    lowered = piece.casefold()
    if not (_has(piece, MANDATORY) or _has(piece, PREFERRED) or _has(piece, NOT_ASKED)):
        return False
    named = _mentions(piece, terms) if terms else []
    if not named and not any(cue in lowered for cue in CERTIFICATION_WORDS):
        return False
    rest = lowered
    for name in named:
        rest = rest.replace(name.casefold(), " ")
    words = [w for w in _WORD.findall(rest) if w not in STOPWORDS]
    return len(words) <= 4
