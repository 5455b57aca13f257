"""User-facing errors. The CLI prints their message, without a traceback, and exits 1."""


class FactoryosError(Exception):
    """Bad input or a request that cannot be met; the message says where and what."""
