"""A function's own module named like a standard-library module the prewarmed runtime preloads."""
SHADOWED = True
