"""Search over elements: by example, category, period, cave and text (filled in by the search issue)."""
