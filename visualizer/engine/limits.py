"""The size limits every part of the app enforces, in one place."""

MAX_LAYERS = 16
MAX_LAYER_SIZE = 4096
MAX_PARAMETERS = 10_000_000
