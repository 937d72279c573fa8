"""ferrero-daemon: Ferrero's campaign asset automation in one systemd service."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ferrero-daemon")
except PackageNotFoundError:  # a bare checkout on sys.path, never installed
    __version__ = "0+unknown"
