"""factoryos: an open-source operating platform for a smart C2M factory."""

__version__ = "0.1.0"
