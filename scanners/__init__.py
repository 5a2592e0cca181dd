"""Scanners: find secret-based Azure connections in repositories and estates."""
