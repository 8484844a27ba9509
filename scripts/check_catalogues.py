#!/usr/bin/env python3
"""Fails when an app's zh_Hans catalogue is out of step with its code: a translatable string in the code that the
catalogue lacks, an entry the code no longer has, an untranslated or fuzzy entry, a compiled .mo that differs from
its .po. It also fails when one English msgid (in the same context) is translated two ways in two catalogues (at run
time the first app in INSTALLED_APPS would win everywhere, so a lesson said 作答中 and its navigation 上一页), and
when a project catalogue translates a msgid of Wagtail's own catalogues differently (ours come first, so the admin's
page explorer said 题型 for "Type"): where the meaning differs, give our msgid a context (pgettext, {% trans … context
… %}); where it is the same, use one translation.

The project catalogue locale/zh_Hans (LOCALE_PATHS, read before every other catalogue) may hold only Wagtail msgids
that no zh_Hans catalogue translates (Wagtail's, Django's, another package's or one of our apps'): it fills Wagtail's
gaps and never overrides a translation. Every entry must be translated and compiled (django and djangojs domains).

Each app is extracted again with Django's makemessages in a scratch copy, so the working tree is never touched.
usage: scripts/check_catalogues.py [--no-clashes] [app …]   (exit 1 and one line per problem when something is out
of step; --no-clashes checks each catalogue alone)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
APPS = ["cms", "exams", "courses", "mentorship", "appraisal", "analytics"]
PO = Path("locale/zh_Hans/LC_MESSAGES/django.po")
PROJECT = "locale"  # the project catalogue: Wagtail's untranslated admin strings
DOMAINS = ("django", "djangojs")


def _key(entry) -> tuple:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def extracted(app: str) -> set[tuple]:
    """The msgids makemessages finds in the app's code today."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / app
        shutil.copytree(ROOT / app, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        (copy / PO).unlink(missing_ok=True)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.dev", "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [
                str(ROOT / ".venv/bin/django-admin"),
                "makemessages",
                "-l",
                "zh_Hans",
                "--no-location",
                "-v",
                "0",
            ],
            cwd=copy,
            env=env,
            check=True,
        )
        return {_key(e) for e in polib.pofile(str(copy / PO)) if not e.obsolete}


def wagtail_translations(domain: str = "django") -> dict[tuple, set[str]]:
    """(context, msgid) → the zh_Hans translations in Wagtail's own catalogues (every Wagtail app)."""
    import wagtail

    found: dict[tuple, set[str]] = {}
    for path in Path(wagtail.__file__).parent.glob(f"**/locale/zh_Hans/LC_MESSAGES/{domain}.po"):
        for e in polib.pofile(str(path)):
            if not e.obsolete and e.translated():
                found.setdefault((e.msgctxt or "", e.msgid), set()).add(_translation(e))
    return found


def _translation(entry) -> str:
    return entry.msgstr or str(sorted(entry.msgstr_plural.items()))


def translation_clashes(app: str, entries, *, seen: dict, wagtail: dict) -> list[str]:
    """The clashes of one app's entries with the catalogues checked before it (`seen`, updated) and with Wagtail's."""
    problems = []
    for e in entries:
        if not e.translated():
            continue
        translation = _translation(e)
        where = f"{e.msgid!r}{' (context ' + e.msgctxt + ')' if e.msgctxt else ''}"
        other = seen.setdefault(_key(e), (app, translation))
        if other[1] != translation:
            problems.append(
                f"{app} and {other[0]} translate {where} differently: {translation!r} / {other[1]!r}"
            )
        theirs = wagtail.get((e.msgctxt or "", e.msgid))
        if theirs and translation not in theirs and not e.msgid_plural:
            problems.append(
                f"{app} overrides Wagtail's translation of {where}: {translation!r} / Wagtail "
                f"{' or '.join(repr(t) for t in sorted(theirs))}"
            )
    return problems


def wagtail_msgids(domain: str) -> set[tuple]:
    """(context, msgid) of every string Wagtail marks for translation (its English source catalogues)."""
    import wagtail

    return {
        (e.msgctxt or "", e.msgid)
        for path in Path(wagtail.__file__).parent.glob(f"**/locale/en/LC_MESSAGES/{domain}.po")
        for e in polib.pofile(str(path))
    }


def other_translations(domain: str) -> dict[tuple, str]:
    """(context, msgid) → where a zh_Hans catalogue other than Wagtail's and the project's translates it: Django,
    the other installed packages and our apps (what the project catalogue would override)."""
    import django
    import wagtail

    wagtail_dir = Path(wagtail.__file__).parent
    roots = [Path(django.__file__).parent.parent, ROOT]
    found: dict[tuple, str] = {}
    for base in roots:
        for mo in base.glob(f"*/**/locale/zh_Hans/LC_MESSAGES/{domain}.mo"):
            if (
                wagtail_dir in mo.parents
                or mo.is_relative_to(ROOT / PROJECT)
                or ".venv" in mo.parts
                and base == ROOT
            ):
                continue
            for e in polib.mofile(str(mo)):
                if e.msgstr or e.msgstr_plural:
                    found.setdefault((e.msgctxt or "", e.msgid), str(mo.relative_to(base)))
    return found


def project_catalogue_problems(
    domain: str, entries, *, wagtail_ids: set, wagtail_done: dict, others: dict
) -> list:
    """An entry of the project catalogue must be a Wagtail msgid that no other zh_Hans catalogue translates."""
    problems = []
    for e in entries:
        key = (e.msgctxt or "", e.msgid)
        if key not in wagtail_ids:
            problems.append(f"{PROJECT} ({domain}): {e.msgid!r} is not a Wagtail string")
        elif key in wagtail_done:
            problems.append(f"{PROJECT} ({domain}) overrides Wagtail's translation of {e.msgid!r}")
        elif key in others:
            problems.append(f"{PROJECT} ({domain}) overrides the translation of {e.msgid!r} in {others[key]}")
    return problems


def check_project_catalogue() -> list[str]:
    problems = []
    for domain in DOMAINS:
        po_path = ROOT / PROJECT / "zh_Hans/LC_MESSAGES" / f"{domain}.po"
        if not po_path.exists():
            continue
        entries = [e for e in polib.pofile(str(po_path)) if not e.obsolete]
        problems += _state_problems(f"{PROJECT} ({domain})", po_path, entries)
        problems += project_catalogue_problems(
            domain,
            entries,
            wagtail_ids=wagtail_msgids(domain),
            wagtail_done=wagtail_translations(domain),
            others=other_translations(domain),
        )
    return problems


def _state_problems(name: str, po_path: Path, entries) -> list[str]:
    """Fuzzy or untranslated entries, and a .mo not compiled from the .po."""
    problems = []
    for e in entries:
        if "fuzzy" in e.flags:
            problems.append(f"{name}: fuzzy: {e.msgid!r}")
        elif not e.translated():
            problems.append(f"{name}: untranslated: {e.msgid!r}")
    compiled = {
        _key(e): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(po_path.with_suffix(".mo")))
    }
    for e in entries:
        if e.translated() and compiled.get(_key(e)) != (e.msgstr, dict(e.msgstr_plural)):
            problems.append(
                f"{name}: {po_path.with_suffix('.mo').name} is not compiled from its .po (first: {e.msgid!r})"
            )
            break
    return problems


def main(apps: list[str], *, clashes: bool = True) -> int:
    problems: list[str] = []
    seen: dict[tuple, tuple[str, str]] = {}
    wagtail = wagtail_translations() if clashes else {}
    for app in apps:
        po_path = ROOT / app / PO
        catalogue = polib.pofile(str(po_path))
        entries = [e for e in catalogue if not e.obsolete]
        have = {_key(e) for e in entries}
        code = extracted(app)
        for ctx, msgid, _plural in sorted(code - have):
            problems.append(
                f"{app}: in the code, missing from the catalogue: {ctx + ' | ' if ctx else ''}{msgid!r}"
            )
        for ctx, msgid, _plural in sorted(have - code):
            problems.append(
                f"{app}: in the catalogue, no longer in the code: {ctx + ' | ' if ctx else ''}{msgid!r}"
            )
        problems += _state_problems(app, po_path, entries)
        if clashes:
            problems += translation_clashes(app, entries, seen=seen, wagtail=wagtail)
    if clashes and apps == APPS:
        problems += check_project_catalogue()
    for line in problems:
        print(line)
    print(f"catalogues: {len(apps)} checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    names = [a for a in args if not a.startswith("--")]
    sys.exit(main(names or APPS, clashes="--no-clashes" not in args))
