"""Plotting functions: each writes a PNG and returns its path."""
