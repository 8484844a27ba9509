#!/usr/bin/env python3
"""Fill empty msgstr entries of a .po file from a JSON {msgid: msgstr} file; report what is still missing.

usage: scripts/po_fill.py PO_FILE TRANSLATIONS.json
"""

import json
import re
import sys


def unquote(s: str) -> str:
    return json.loads(s)


def main(po_path: str, json_path: str) -> int:
    translations = json.load(open(json_path, encoding="utf-8"))
    text = open(po_path, encoding="utf-8").read()
    blocks = text.split("\n\n")
    missing = []
    out = []
    for block in blocks:
        m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        s = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        plural = re.search(r'^msgstr\[0\] ((?:".*"\n?)+)', block, re.M)
        if m and plural and "msgid_plural" in block:
            msgid = "".join(unquote(x) for x in re.findall(r'".*"', m.group(1)))
            current = "".join(unquote(x) for x in re.findall(r'".*"', plural.group(1)))
            if not current or "#, fuzzy" in block:
                if msgid in translations:
                    block = (
                        block[: plural.start()]
                        + "msgstr[0] "
                        + json.dumps(translations[msgid], ensure_ascii=False)
                        + ("\n" if plural.group(1).endswith("\n") else "")
                        + block[plural.end() :]
                    )
                    block = block.replace("#, fuzzy\n", "").replace(", fuzzy", "")
                else:
                    missing.append(msgid)
        elif m and s and "msgid_plural" not in block:
            msgid = "".join(unquote(x) for x in re.findall(r'".*"', m.group(1)))
            msgstr = "".join(unquote(x) for x in re.findall(r'".*"', s.group(1)))
            if msgid and (not msgstr or "#, fuzzy" in block):
                if msgid in translations:
                    block = (
                        block[: s.start()]
                        + "msgstr "
                        + json.dumps(translations[msgid], ensure_ascii=False)
                        + ("\n" if s.group(1).endswith("\n") else "")
                        + block[s.end() :]
                    )
                    block = block.replace("#, fuzzy\n", "").replace(", fuzzy", "")
                else:
                    missing.append(msgid)
        out.append(block)
    text = "\n\n".join(out)
    # Chinese has one plural form: fix the generic header makemessages writes and drop the second forms.
    text = re.sub(r'"Plural-Forms: [^"]*"', lambda m: r'"Plural-Forms: nplurals=1; plural=0;\n"', text)
    text = re.sub(r'\nmsgstr\[1\] ".*"', "", text)
    open(po_path, "w", encoding="utf-8").write(text)
    for msgid in missing:
        print("MISSING:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
