"""Search over elements: by example, category, period, cave and text (the search issue)."""
