"""Logical signed matrices onto conductances (differential pairs or offset columns) and tiles."""
