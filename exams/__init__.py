"""Must-know (应知应会) question banks, exams, attempts, grading, practice and qualifications."""
