"""The command line's sound commands: `osce-sim check` and `osce-sim recordings`.

Kept apart from app/cli.py so that the parser there only names them; nothing here is
imported until one of them runs (sounddevice starts PortAudio on import).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from app.core.recordings import RecordingLibrary
from app.core.resources import user_data_dir
from app.core.settings import Settings


def cmd_check(args: argparse.Namespace) -> int:
    from app.audio.check import run_check

    folder = user_data_dir()
    device = args.input or Settings.load(folder).input_device
    lines = run_check(
        folder,
        device,
        args.output,
        speak=not args.no_speech,
        seconds=args.seconds,
        on_line=lambda line: print(line.text(), flush=True),
    )
    failed = [line for line in lines if not line.ok]
    print(
        "All checks passed."
        if not failed
        else f"{len(failed)} of {len(lines)} checks failed: "
        + ", ".join(line.name for line in failed)
    )
    return 1 if failed else 0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def cmd_recordings(args: argparse.Namespace) -> int:
    folder = user_data_dir()
    lib = RecordingLibrary(folder)
    what = args.recordings_command or "list"
    if what == "delete":
        try:
            gone = lib.delete(args.attempt_id)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if not gone:
            print(f"no recording for attempt {args.attempt_id}", file=sys.stderr)
            return 1
        print(f"deleted the recording of attempt {args.attempt_id}")
        return 0
    if what == "prune":
        days = (
            args.days if args.days is not None else Settings.load(folder).recording_retention_days
        )
        pruned = lib.prune(days)
        print(f"{len(pruned)} recording(s) older than {days} days deleted" if days else "kept all")
        return 0
    recs = lib.all()
    if not recs:
        print(f"no recordings in {lib.root}")
        return 0
    now = datetime.now(UTC)
    for r in recs:
        when = r.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.started_at else "?"
        age = (now - r.started_at).days if r.started_at else 0
        flag = "" if r.complete else "  (unfinished)"
        print(
            f"{r.attempt_id}  {when}  {int(r.seconds // 60)}:{int(r.seconds % 60):02d}  "
            f"{_mb(r.size_bytes):>8}  {r.case_title or r.case_id}{flag}  ({age} days old)"
        )
    total = sum(r.size_bytes for r in recs)
    keep = Settings.load(folder).recording_retention_days
    print(
        f"{len(recs)} recording(s), {_mb(total)} in {lib.root}; "
        + (f"deleted after {keep} days" if keep else "kept until deleted")
    )
    return 0


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chk = sub.add_parser(
        "check", help="speech voices, sound devices, 3 s recorded, the data folder: pass or fail"
    )
    chk.add_argument("--input", metavar="DEVICE", help="the microphone (default: the setting's)")
    chk.add_argument("--output", metavar="DEVICE", help="the output device (default: default)")
    chk.add_argument("--seconds", type=float, default=3.0, help="how long to record")
    chk.add_argument("--no-speech", action="store_true", help="do not speak the test sentence")
    chk.set_defaults(func=cmd_check)

    rec = sub.add_parser("recordings", help="list, delete or prune the encounter recordings")
    rsub = rec.add_subparsers(dest="recordings_command")
    rsub.add_parser("list", help="every recording, newest first, with its attempt id")
    d = rsub.add_parser("delete", help="delete one attempt's recording")
    d.add_argument("attempt_id")
    p = rsub.add_parser("prune", help="delete the recordings older than the retention setting")
    p.add_argument("--days", type=int, help="older than this many days (default: the setting)")
    rec.set_defaults(func=cmd_recordings)
