"""State changes for mentoring. Each takes the acting user, runs in one transaction and writes the audit record.

One module per topic; every public name is re-exported here, so callers keep `services.<name>`."""

from mentorship.services.apprenticeships import evaluate, start_apprenticeship, withdraw
from mentorship.services.assignments import report_assignment, review_assignment, set_assignment
from mentorship.services.common import NotPermitted
from mentorship.services.evaluations import record_evaluation
from mentorship.services.evidence import decide, submit_evidence
from mentorship.services.pairing import mentor_problems, pair, suggest_mentors

__all__ = [
    "NotPermitted",
    "decide",
    "evaluate",
    "mentor_problems",
    "pair",
    "record_evaluation",
    "report_assignment",
    "review_assignment",
    "set_assignment",
    "start_apprenticeship",
    "submit_evidence",
    "suggest_mentors",
    "withdraw",
]
