"""Programmes and stages, mentor–apprentice pairing, milestones, assignments and evaluations."""
