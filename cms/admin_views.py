"""Admin viewsets for units, officers, posts, scopes and the audit trail."""
