"""Plumbing every layer may use: seeded random streams, atomic file writes, unit suffixes, data
folders, BLAS thread limits."""
