#!/usr/bin/env python3
"""Fill the empty or fuzzy msgstr entries of a .po file from a JSON {msgid: msgstr} file; report what is still
missing. A message with a context is keyed "context\\u0004msgid" (gettext's own separator). Plural entries take
the one Chinese form. Translations already given are never overwritten.

usage: scripts/po_fill.py PO_FILE TRANSLATIONS.json
"""

import json
import sys

import polib


def main(po_path: str, json_path: str) -> int:
    translations = json.load(open(json_path, encoding="utf-8"))
    po = polib.pofile(po_path, wrapwidth=0)
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        fuzzy = "fuzzy" in entry.flags
        current = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        if current and not fuzzy:
            continue
        if key not in translations:
            missing.append(key.replace("\x04", " | "))
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: translations[key]}  # Chinese has one plural form
        else:
            entry.msgstr = translations[key]
        if fuzzy:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.save()
    for key in missing:
        print("MISSING:", key)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
