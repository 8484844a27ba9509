"""Every app's zh_Hans catalogue is complete and compiled, so a fresh install shows Chinese without gettext."""

import gettext
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_cms_catalogue_exists():
    assert ROOT / "cms/locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_catalogue_complete_and_compiled(po):
    text = po.read_text(encoding="utf-8")
    missing = []
    for entry in re.split(r"\n\s*\n", text)[1:]:
        if "#, fuzzy" in entry:
            missing.append(entry)
            continue
        for m in re.finditer(r'msgstr(?:\[\d\])? ((?:".*"\s*)+)', entry):
            if not "".join(re.findall(r'"(.*)"', m.group(1))).strip():
                missing.append(entry)
    assert not missing, f"{len(missing)} untranslated entries in {po}: {missing[:3]}"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: compile the catalogue"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    stale = [msgid for msgid in _msgids(text) if msgid not in compiled]
    assert not stale, f"{mo} lacks {len(stale)} messages of the .po (recompile): {stale[:3]}"


def _msgids(text):
    for entry in re.split(r"\n\s*\n", text)[1:]:
        if "msgid_plural" in entry:
            continue
        m = re.search(r'^msgid ((?:".*"\s*)+)', entry, re.M)
        if m:
            msgid = "".join(json.loads(x) for x in re.findall(r'".*"', m.group(1)))
            ctx = re.search(r'^msgctxt (".*")', entry, re.M)
            if msgid:
                yield f"{json.loads(ctx.group(1))}\x04{msgid}" if ctx else msgid
