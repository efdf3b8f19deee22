"""cathlog: a cath-lab procedure logger."""

__version__ = "0.1.0"
