"""The engine of the simulator. No Qt, no audio, no speech: usable from tests and the CLI."""
