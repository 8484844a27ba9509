"""Self-study curriculum, enrolments and progress, centralized training sessions and study hours."""
