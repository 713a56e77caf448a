"""The schema's history, oldest first: r0001 is the first release's schema, as it was."""
