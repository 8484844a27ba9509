"""Removing personal details from a case file's text before it goes into the case library (pure, no database).

Masked: the names given (the party, the handler and co-handlers, other officers: a person's name keeps its surname
and becomes 张某), ID card numbers, mobile and landline phone numbers, and unified social credit codes. What a
scrubber cannot know (a witness named only in the text) is left to the editor who approves the page in the
moderation workflow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Two-character surnames (复姓) that keep both characters when a name is masked.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 澹台 端木 南宫 西门 独孤".split()
)

_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_CREDIT_CODE = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])"
)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[- ]?)\d{7,8}(?:-\d{1,5})?(?!\d)")

ID_MASK = "******************"
PHONE_MASK = "***********"
CODE_MASK = "******************"


def mask_person(name: str) -> str:
    """张三 → 张某, 欧阳明 → 欧阳某; a name of one character is left alone (it would mask ordinary words)."""
    name = name.strip()
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return f"{surname}某"


def scrub(
    text: str, *, people: Iterable[str] = (), parties: Iterable[str] = (), party_label: str = "当事人"
) -> str:
    """`text` with the people's names masked (张某), each party's name replaced by `party_label`, and ID numbers,
    phone numbers and credit codes masked. Longer names are replaced first, so 张三丰 is not read as 张三 + 丰."""
    if not text:
        return ""
    out = _ID_CARD.sub(ID_MASK, text)
    out = _CREDIT_CODE.sub(CODE_MASK, out)
    out = _MOBILE.sub(PHONE_MASK, out)
    out = _LANDLINE.sub(PHONE_MASK, out)
    replacements: dict[str, str] = {}
    for party in parties:
        party = (party or "").strip()
        if len(party) >= 2:
            replacements[party] = party_label
    for person in people:
        person = (person or "").strip()
        if len(person) >= 2 and person not in replacements:
            replacements[person] = mask_person(person)
    if replacements:
        pattern = re.compile("|".join(re.escape(k) for k in sorted(replacements, key=len, reverse=True)))
        out = pattern.sub(lambda m: replacements[m.group(0)], out)
    return out
