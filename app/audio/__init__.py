"""Sound out: playing audio through sounddevice, stoppable at once, its length known first."""

from app.audio.player import Playback, Player, output_problem

__all__ = ["Playback", "Player", "output_problem"]
