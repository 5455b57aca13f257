"""factoryos: an open-source operating platform for a smart C2M factory."""


def __getattr__(name: str) -> str:
    """`factoryos.__version__`, read from the installed package's metadata only when asked for (it is slow)."""
    if name != "__version__":
        raise AttributeError(f"module 'factoryos' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("factoryos")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
