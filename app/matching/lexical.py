"""Character bigrams: a lexical signal that works for Korean without a tokenizer.

Scored as BM25 (k1, b below) in `tables.py`, over hashed bigrams in sparse matrices; written by
hand because pairs are scored in both directions over candidate subsets, which BM25 libraries
(bm25s, rank-bm25) that score a whole corpus per query do not offer.
"""

import re
from collections import Counter

_WORD = re.compile(r"\w+", re.UNICODE)
K1 = 1.2
B = 0.75


def bigrams(text: str) -> Counter[str]:
    """Character bigrams inside each word (a one-letter word counts as itself), lower-cased."""
    grams: Counter[str] = Counter()
    for word in _WORD.findall((text or "").lower()):
        if len(word) == 1:
            grams[word] += 1
        else:
            grams.update(word[i:i + 2] for i in range(len(word) - 1))
    return grams
