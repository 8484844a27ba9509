"""State changes of the appraisal app, one module per topic (cases, rounds, reviews, follow-ups, appraisals,
inspections, library). Each takes the acting user as `by=`, runs in one transaction and writes the audit record."""
