"""Plumbing every layer may use: seeded random streams, atomic file writes, unit suffixes, named values
(presets), data folders, BLAS thread limits."""
