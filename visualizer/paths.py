"""Where the shipped files live (Qt-free)."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
EXAMPLES = ASSETS / "networks"
DEFAULT_NETWORK = EXAMPLES / "default.json"
