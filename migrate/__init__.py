"""secretless: move Azure applications off secrets and onto managed identity."""

__version__ = "0.1.0"
