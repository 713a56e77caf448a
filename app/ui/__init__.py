"""The desktop app (PySide6). Screens subscribe to models; the core does the work."""
