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


def _checker():
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_catalogues", ROOT / "scripts/check_catalogues.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _entries(*items):
    import polib

    return [polib.POEntry(msgctxt=ctx, msgid=msgid, msgstr=msgstr) for ctx, msgid, msgstr in items]


def test_the_catalogue_check_fails_on_one_msgid_translated_two_ways_and_on_overriding_wagtail():
    check = _checker()
    seen, wagtail = {}, {("", "Type"): {"类型"}}
    assert (
        check.translation_clashes("courses", _entries((None, "In progress", "学习中")), seen=seen, wagtail={})
        == []
    )
    found = check.translation_clashes(
        "exams",
        _entries((None, "In progress", "作答中"), (None, "Type", "题型"), ("question", "Type", "题型")),
        seen=seen,
        wagtail=wagtail,
    )
    assert len(found) == 2
    assert "exams and courses translate 'In progress' differently" in found[0]
    assert "exams overrides Wagtail's translation of 'Type'" in found[1]  # the context keeps 题型 apart


def test_no_msgid_is_translated_two_ways_and_no_wagtail_string_is_overridden():
    """The first app in INSTALLED_APPS wins a msgid everywhere: one English word, one Chinese word per context."""
    import polib

    check = _checker()
    seen, wagtail, problems = {}, check.wagtail_translations(), []
    for po in CATALOGUES:
        entries = [e for e in polib.pofile(str(po)) if not e.obsolete]
        problems += check.translation_clashes(po.parts[-5], entries, seen=seen, wagtail=wagtail)
    assert not problems, "\n".join(problems)


def test_the_project_catalogue_only_fills_wagtails_gaps():
    """locale/zh_Hans is read before every catalogue: an entry Wagtail (or Django, or one of our apps) already
    translates, or one that is not a Wagtail string at all, fails the check; the shipped catalogue passes it."""
    check = _checker()
    found = check.project_catalogue_problems(
        "django",
        _entries(
            (None, "By task", "按任务"),
            (None, "Type", "题型"),
            (None, "Disabled", "已停用"),
            (None, "Hello", "你好"),
        ),
        wagtail_ids={("", "By task"), ("", "Type"), ("", "Disabled")},
        wagtail_done={("", "Type"): {"类型"}},
        others={("", "Disabled"): "django/contrib/auth/locale/zh_Hans/LC_MESSAGES/django.mo"},
    )
    assert len(found) == 3
    assert "overrides Wagtail's translation of 'Type'" in found[0]
    assert "overrides the translation of 'Disabled' in django/contrib/auth" in found[1]
    assert "'Hello' is not a Wagtail string" in found[2]
    assert check.check_project_catalogue() == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_project_catalogue_is_complete_and_compiled(domain):
    po = ROOT / "locale/zh_Hans/LC_MESSAGES" / f"{domain}.po"
    test_catalogue_complete_and_compiled(po)
