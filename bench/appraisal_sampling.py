"""Times the round draw and the cross-assignment (appraisal.sampling, pure) on a generated city.

usage: PYTHONPATH=. .venv/bin/python bench/appraisal_sampling.py [streets] [files]
"""

import random
import sys
import time
from collections import Counter

from appraisal.sampling import Candidate, Reviewer, Slot, assign, draw


def main(streets: int = 100, file_count: int = 20000) -> None:
    rng = random.Random(1)
    officers = {}
    for street in range(streets):
        for _ in range(30):
            officers[len(officers) + 1] = street
    ids = list(officers)
    files = []
    for n in range(file_count):
        handler = rng.choice(ids)
        files.append(Candidate(n, f"N{n:06d}", officers[handler], handler))
    reviewers = [Reviewer(o, s) for o, s in officers.items() if rng.random() < 0.2]
    started = time.perf_counter()
    picked = draw(files, seed=5, per_street=3, min_per_handler=1)
    drawn = time.perf_counter()
    result = assign([Slot(c.case_id, c.street_id, c.excluded) for c in picked], reviewers, per_file=2, seed=5)
    done = time.perf_counter()
    loads = Counter(o for chosen in result.values() for o in chosen)
    spread = max(loads.values()) - min(loads.get(r.officer_id, 0) for r in reviewers)
    print(
        f"streets={streets} files={file_count} drawn={len(picked)} reviewers={len(reviewers)} "
        f"draw={drawn - started:.2f}s assign={done - drawn:.2f}s load max-min={spread}"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
