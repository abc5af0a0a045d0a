"""rootable: turn ROOT TTrees and RNTuples into flat per-event tables."""

__version__ = "0.1.0"
