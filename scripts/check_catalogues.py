#!/usr/bin/env python3
"""Fails when an app's zh_Hans catalogue is out of step with its code: a translatable string in the code that the
catalogue lacks, an entry the code no longer has, an untranslated or fuzzy entry, a compiled .mo that differs from
its .po. It also fails when one English msgid (in the same context) is translated two ways in two catalogues (at run
time the first app in INSTALLED_APPS would win everywhere, so a lesson said 作答中 and its navigation 上一页), and
when a project catalogue translates a msgid of Wagtail's own catalogues differently (ours come first, so the admin's
page explorer said 题型 for "Type"): where the meaning differs, give our msgid a context (pgettext, {% trans … context
… %}); where it is the same, use one translation.

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
APPS = ["cms", "exams", "courses", "mentorship", "analytics"]
PO = Path("locale/zh_Hans/LC_MESSAGES/django.po")


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


def wagtail_translations() -> dict[tuple, set[str]]:
    """(context, msgid) → the zh_Hans translations in Wagtail's own catalogues (every Wagtail app)."""
    import wagtail

    found: dict[tuple, set[str]] = {}
    for path in Path(wagtail.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
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
        for e in entries:
            if "fuzzy" in e.flags:
                problems.append(f"{app}: fuzzy: {e.msgid!r}")
            elif not e.translated():
                problems.append(f"{app}: untranslated: {e.msgid!r}")
        compiled = {
            _key(e): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(po_path.with_suffix(".mo")))
        }
        for e in entries:
            if e.translated() and compiled.get(_key(e)) != (e.msgstr, dict(e.msgstr_plural)):
                problems.append(f"{app}: django.mo is not compiled from django.po (first: {e.msgid!r})")
                break
        if clashes:
            problems += translation_clashes(app, entries, seen=seen, wagtail=wagtail)
    for line in problems:
        print(line)
    print(f"catalogues: {len(apps)} checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    names = [a for a in args if not a.startswith("--")]
    sys.exit(main(names or APPS, clashes="--no-clashes" not in args))
