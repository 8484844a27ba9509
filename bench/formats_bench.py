"""Benchmark the question-file parser on a large spreadsheet (target from issue 2: a 1,200-question xlsx parses
in under 10 s).

    .venv/bin/python bench/formats_bench.py [--copies 6] [--rounds 5]

The questions are the demo bank (exams/demo/bank.json, every question type the demo uses), repeated `--copies`
times with distinct stems, written to xlsx by the product's own exporter and parsed back by the importer's parser.
Prints the question count, the file size and the parse time of each round (median and worst).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.test")
    import django

    django.setup()
    from exams.formats import dump, parse

    bank = parse((ROOT / "exams/demo/bank.json").read_bytes(), "json").questions
    questions = []
    for copy in range(args.copies):
        for q in bank:
            q = json.loads(json.dumps(q))
            q["stem"] = f"{q['stem']}（{copy + 1}）"
            questions.append(q)
    data = dump(questions, "xlsx")
    times = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        result = parse(data, "xlsx")
        times.append(time.perf_counter() - started)
        assert len(result.questions) == len(questions), (len(result.questions), len(questions))
    print(f"questions: {len(questions)}   xlsx: {len(data) / 1024:.0f} KiB")
    print(f"parse time: median {statistics.median(times):.2f} s   worst {max(times):.2f} s   target < 10 s")


if __name__ == "__main__":
    main()
