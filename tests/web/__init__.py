"""Console pages: translations, polish, bad input."""
