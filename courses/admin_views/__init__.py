"""Training's staff screens: the menu's viewsets (viewsets), the tool pages (screens) and their URLs (urls)."""
