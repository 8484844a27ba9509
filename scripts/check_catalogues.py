#!/usr/bin/env python3
"""Fails when an app's zh_Hans catalogue is out of step with its code: a translatable string in the code that the
catalogue lacks, an entry the code no longer has, an untranslated or fuzzy entry, a compiled .mo that differs from
its .po. With --clashes it also fails when one English msgid (in the same context) is translated two ways in two
catalogues (the first app would win at run time; issue #12 removes the clashes main still has).

Each app is extracted again with Django's makemessages in a scratch copy, so the working tree is never touched.
usage: scripts/check_catalogues.py [--clashes] [app …]   (exit 1 and one line per problem when something is out of step)
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


def main(apps: list[str], *, clashes: bool = False) -> int:
    problems: list[str] = []
    seen: dict[tuple, tuple[str, str]] = {}
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
        for e in entries:
            if not clashes or not e.translated():
                continue
            translation = e.msgstr or str(sorted(e.msgstr_plural.items()))
            other = seen.setdefault(_key(e), (app, translation))
            if other[1] != translation:
                problems.append(
                    f"{app} and {other[0]} translate {e.msgid!r}"
                    f"{' (context ' + e.msgctxt + ')' if e.msgctxt else ''} differently: "
                    f"{translation!r} / {other[1]!r}"
                )
    for line in problems:
        print(line)
    print(f"catalogues: {len(apps)} checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    want_clashes = "--clashes" in args
    names = [a for a in args if a != "--clashes"]
    sys.exit(main(names or APPS, clashes=want_clashes))
