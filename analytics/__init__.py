"""HR analytics: turnover, retention and the selection board."""
