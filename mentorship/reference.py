"""The mentorship app's reference data: what each role may do with programmes (as migration 0002)."""

ROLE_PERMISSIONS = {
    "hr": [
        "mentorship.view_apprenticeship",
        "mentorship.add_pairing",
        "mentorship.view_pairing",
        "mentorship.view_programme",
        "mentorship.view_stage",
    ],
    "training_admin": [
        "mentorship.view_apprenticeship",
        "mentorship.add_pairing",
        "mentorship.view_pairing",
        "mentorship.add_programme",
        "mentorship.change_programme",
        "mentorship.view_programme",
        "mentorship.add_stage",
        "mentorship.change_stage",
        "mentorship.view_stage",
        "mentorship.change_mentorshipsettings",
    ],
    "unit_leader": [
        "mentorship.view_apprenticeship",
        "mentorship.view_pairing",
        "mentorship.view_programme",
        "mentorship.view_stage",
    ],
}
