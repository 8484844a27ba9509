"""Project package: settings, urls, site pages, people and units, audit trail."""
