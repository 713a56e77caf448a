"""OSCE Simulator: timed clinical-skills encounters with a standardized patient."""

__version__ = "0.1.0"
