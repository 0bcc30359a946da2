"""The size limits every part of the app enforces, in one place."""

MAX_LAYERS = 16
MAX_LAYER_SIZE = 4096
MAX_PARAMETERS = 10_000_000
# The largest file the app reads, and the most an .npz may unpack to: a network at the
# parameter limit, with its gradients, a batch and a data set, is well under this.
MAX_FILE_BYTES = 1 << 30
