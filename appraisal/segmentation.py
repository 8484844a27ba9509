"""Chinese word segmentation for the case library search (jieba; its dictionary ships in the package, no network).

Wagtail's database search backend splits text on spaces and punctuation only, so a run of Chinese characters would
be one token. Pages therefore index a segmented copy of their text (tokens joined by spaces) and queries are
segmented the same way: `index_text()` for what is stored, `query_text()` for what is searched.
"""

from __future__ import annotations

import logging
import re
import threading

import jieba

_WORD = re.compile(r"[\w]", re.UNICODE)
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _jieba() -> jieba.Tokenizer:
    """One tokenizer, loaded on first use (its dictionary takes about a second to load, cached by jieba)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def _tokens(text: str) -> list[str]:
    """Search-mode tokens (whole words and their dictionary sub-words), lower-cased, punctuation dropped."""
    out = []
    for token in _jieba().cut_for_search(text or "", HMM=True):
        token = token.strip().lower()
        if token and _WORD.search(token):
            out.append(token)
    return out


def index_text(*parts: str) -> str:
    """The segmented copy of a page's text: every token once, in order of first appearance, joined by spaces."""
    seen: dict[str, None] = {}
    for part in parts:
        for token in _tokens(part):
            seen.setdefault(token, None)
    return " ".join(seen)


def query_text(query: str) -> str:
    """The query as space-separated terms, all of which must match.

    The same text is cut differently in different contexts (安全生产许可 alone may keep 安全生产 whole, while
    安全生产许可证 in a sentence is indexed as 安全 / 生产 / 许可 / 许可证), so a token is dropped when a shorter
    token of the query lies inside it: the finest pieces are the ones the index is sure to hold."""
    tokens = list(dict.fromkeys(_tokens(query)))
    kept = [t for t in tokens if not any(o != t and len(o) > 1 and o in t for o in tokens)]
    return " ".join(kept)
