"""The `osce-sim` command line: validate cases, ask the SP, practise in the terminal."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__


def _data_dir() -> Path:
    from app.core.resources import user_data_dir

    return user_data_dir()


# -- cases ---------------------------------------------------------------------------------
def cmd_cases_validate(args: argparse.Namespace) -> int:
    from app.core.cases import SHARED_SCRIPT_NAME, case_files, load_case_file, load_shared_script
    from app.core.resources import cases_dir
    from app.core.yamlio import FieldError, LoadError

    paths = [Path(p) for p in args.paths] or [cases_dir()]
    existing = [p for p in paths if p.exists()]
    report: list[dict[str, Any]] = []
    n_errors = 0
    jobs: list[tuple[Path, str]] = [(p, "missing") for p in paths if not p.exists()]
    for folder in sorted({p if p.is_dir() else p.parent for p in existing}):
        if (folder / SHARED_SCRIPT_NAME).exists():
            jobs.append((folder / SHARED_SCRIPT_NAME, "shared"))
    jobs += [(f, "case") for f in case_files(existing)]
    for path, kind in jobs:
        try:
            if kind == "missing":
                raise LoadError([FieldError(str(path), "", None, "no such file or folder")])
            if kind == "shared":
                load_shared_script(path.parent)
                ident = "shared script"
            else:
                ident = load_case_file(path).id
            report.append({"file": str(path), "ok": True, "id": ident})
        except LoadError as exc:
            n_errors += len(exc.errors)
            report.append(
                {"file": str(path), "ok": False, "errors": [e.to_dict() for e in exc.errors]}
            )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in report:
            if r["ok"]:
                print(f"ok     {r['file']} ({r['id']})")
            else:
                print(f"ERROR  {r['file']}")
                for e in r["errors"]:
                    line = f":{e['line']}" if e["line"] else ""
                    field = f" [{e['field']}]" if e["field"] else ""
                    print(f"  {e['file']}{line}:{field} {e['message']}")
        ok = sum(1 for r in report if r["ok"])
        print(f"{ok} of {len(report)} case files valid, {n_errors} error(s)")
    return 1 if n_errors else 0


def cmd_cases_lint(args: argparse.Namespace) -> int:
    from app.core.cases import case_files, load_case_file, load_shared_script
    from app.core.formats import get_format
    from app.core.lint import errors, lint_case
    from app.core.resources import cases_dir
    from app.core.yamlio import LoadError, read_yaml_file

    paths = [Path(p) for p in args.paths] or [cases_dir()]
    limits = get_format(args.format).note
    n_errors = n_warnings = 0
    report: list[dict[str, Any]] = []
    for path in case_files(paths):
        try:
            case = load_case_file(path)
        except LoadError as exc:
            n_errors += len(exc.errors)
            report.append(
                {"file": str(path), "id": None, "findings": [e.to_dict() for e in exc.errors]}
            )
            continue
        shared = load_shared_script(path.parent)
        findings = lint_case(case, shared, limits)
        doc = read_yaml_file(path)
        n_errors += len(errors(findings))
        n_warnings += len(findings) - len(errors(findings))
        report.append(
            {
                "file": str(path),
                "id": case.id,
                "findings": [
                    {**f.located(path, doc).to_dict(), "severity": f.severity} for f in findings
                ],
            }
        )
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in report:
            print(f"{'ok' if not r['findings'] else 'FINDINGS':8} {r['file']}")
            for e in r["findings"]:
                line = f":{e['line']}" if e["line"] else ""
                print(
                    f"  {e.get('severity', 'error')}: {e['file']}{line}: [{e['field']}] {e['message']}"
                )
        print(f"{len(report)} case(s) linted, {n_errors} error(s), {n_warnings} warning(s)")
    return 1 if n_errors else 0


def cmd_cases_list(args: argparse.Namespace) -> int:
    from app.core.cases import load_library

    lib = load_library(*[Path(p) for p in args.paths])
    for case in sorted(lib.cases.values(), key=lambda c: (c.complaint_group, c.id)):
        print(f"{case.id:34} {case.complaint_group:20} {case.difficulty:9} {case.title}")
    for path, errors in lib.broken.items():
        print(f"{'(broken)':34} {path}: {errors[0]}")
    return 0


def cmd_formats_list(args: argparse.Namespace) -> int:
    from app.core.formats import load_formats

    formats, errors = load_formats(_data_dir() / "formats")
    for fmt in formats.values():
        note = f"{fmt.note_minutes:g} min note" if fmt.has_note else "no note"
        print(f"{fmt.name:12} {fmt.encounter_minutes:g} min encounter, {note}  {fmt.title}")
    for e in errors:
        print(f"(broken) {e}")
    return 0


# -- the SP ----------------------------------------------------------------------------------
def _load_case(case_id: str):  # type: ignore[no-untyped-def]
    from app.core.cases import load_library, load_shared_script

    lib = load_library()
    return lib.get(case_id), load_shared_script()


def cmd_ask(args: argparse.Namespace) -> int:
    from app.core.dialogue import Conversation, DialogueEngine

    try:
        case, shared = _load_case(args.case_id)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    if args.question is None:
        return _terminal_encounter(case, shared, args.format, args.mode, args)
    conv = Conversation(DialogueEngine(case, shared))
    reply = conv.ask(args.question, args.minute * 60 if args.minute is not None else None)
    print(json.dumps(reply.to_dict(), indent=2, ensure_ascii=False))
    return 0


HELP = """Type what you say to the patient and press Enter. Commands:
  /exam              list the exam manoeuvres       /exam KEY   perform one (e.g. /exam cv.auscultation)
  /wash  /sit        wash hands, sit down           /plan       explain the plan
  /time              time left and phase            /pause /resume  (practice mode only)
  /leave             leave the room (go to the note) /quit       stop without saving"""


def _fmt_time(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def _terminal_encounter(  # type: ignore[no-untyped-def]
    case, shared, format_name: str, mode: str, args: argparse.Namespace | None = None
) -> int:
    from app.core.attempt import NoteDiagnosisEntry, PatientNote
    from app.core.clock import ClockError, Stage
    from app.core.formats import get_format
    from app.core.session import EncounterSession

    fmt = get_format(format_name, _data_dir() / "formats")
    learner = getattr(args, "gui_learner", None) or "default"
    session = EncounterSession(case, fmt, shared, mode=mode, learner=learner)  # type: ignore[arg-type]
    lock = threading.Lock()
    stop = threading.Event()

    def show(events) -> bool:  # type: ignore[no-untyped-def]
        shown = False
        for e in events:
            if e.kind.value in ("warning", "time_up") and e.text:
                print(f"\n*** {e.text} ***", flush=True)
                shown = True
            elif e.kind.value == "phase_changed" and mode == "practice":
                phase = next(p for p in fmt.phases if p.id == e.phase)
                print(f"\n--- {phase.title}: {'; '.join(phase.prompts)}", flush=True)
                shown = True
        return shown

    def prompt() -> str:
        # shows the time left when it is printed; the clock itself never ticks
        return f"you [{_fmt_time(session.clock.remaining())}]> "

    def ticker() -> None:
        # prints announcements while the learner is typing; the clock itself never ticks
        while not stop.wait(0.25):
            with lock:
                if show(session.poll()) and session.stage is Stage.ENCOUNTER:
                    print(prompt(), end="", flush=True)  # the learner is still typing

    d = case.door
    print(f"\n=== DOOR SIGN ({fmt.title}) ===")
    print(
        f"{d.name}, {d.age}-year-old {d.sex}. Reason for visit: {d.reason}. Setting: {d.setting}."
    )
    if d.vitals:
        v = d.vitals
        spo2 = f", SpO2 {v.spo2}%" if v.spo2 else ""
        print(
            f"Vital signs: BP {v.bp} mmHg, HR {v.hr}/min, RR {v.rr}/min, "
            f"Temp {v.temp_c} °C ({v.temp_f} °F){spo2}"
        )
    for task in d.tasks:
        print(f"  - {task}")
    with lock:
        session.start()
    threading.Thread(target=ticker, daemon=True).start()
    if session.stage is Stage.DOOR:
        input(f"\nYou have {fmt.door_seconds:g} s to read. Press Enter to enter the room. ")
    with lock:
        if session.stage is Stage.DOOR:
            session.enter_room()
        show(session.poll())
    print(f"\n{HELP}\n")
    if mode == "practice":
        p = fmt.phases[0]
        print(f"--- {p.title}: {'; '.join(p.prompts)}")
    try:
        while True:
            try:
                line = input(prompt()).strip()
            except EOFError:
                line = "/leave"
            with lock:
                show(session.poll())
                if session.stage is not Stage.ENCOUNTER:
                    break
                if not line:
                    continue
                if line.startswith("/"):
                    cmd, _, arg = line[1:].partition(" ")
                    if cmd == "quit":
                        return 0
                    if cmd == "help":
                        print(HELP)
                    elif cmd == "time":
                        print(
                            f"{_fmt_time(session.clock.remaining())} left, phase: "
                            f"{fmt.phase_at(session.clock.stage_elapsed()).title}"
                        )
                    elif cmd == "exam" and not arg:
                        if not session.engine.exam_items:
                            print("no physical exam in a telephone encounter")
                        for key, item in session.engine.exam_items.items():
                            print(f"  {key:26} {item.system}: {item.label}")
                    elif cmd == "exam":
                        try:
                            r = session.perform(arg.strip())
                        except KeyError as exc:
                            print(exc.args[0])
                            continue
                        if r.sp_response:
                            print(f"patient> {r.sp_response}")
                        print(f"[finding] {r.label}: {r.findings}")
                        if r.challenge:
                            print(f"patient> {r.challenge}")
                    elif cmd in ("wash", "sit"):
                        session.action("wash_hands" if cmd == "wash" else "sit_down")
                        print("(done)")
                    elif cmd == "plan":
                        ch = session.explain_plan()
                        print("(explain the plan in your own words)")
                        if ch:
                            print(f"patient> {ch}")
                    elif cmd in ("pause", "resume"):
                        try:
                            show(
                                session.clock.pause() if cmd == "pause" else session.clock.resume()
                            )
                            print(f"({cmd}d)")
                        except ClockError as exc:
                            print(exc)
                    elif cmd == "leave":
                        show(session.leave_room())
                        break
                    else:
                        print("unknown command; /help lists them")
                    continue
                reply = session.ask(line)
                print(f"patient> {reply.text}")
                for j in reply.jargon:
                    print(f"  (jargon: say '{j.plain}' rather than '{j.term}')")
    except KeyboardInterrupt:
        print("\nstopped")
        stop.set()
        return 130
    finally:
        stop.set()

    note = PatientNote()
    if session.stage is Stage.NOTE:
        limits = fmt.note
        print(f"\n=== PATIENT NOTE: {_fmt_time(session.clock.remaining())} ===")
        print("End each section with an empty line. Limits are enforced.")

        def block(title: str, chars: int, lines: int) -> str:
            print(f"{title} (up to {chars} characters or {lines} lines):")
            rows: list[str] = []
            while len(rows) < lines:
                row = input("  ")
                if not row:
                    break
                rows.append(row)
            text = "\n".join(rows)
            if len(text) > chars:
                print(f"  (cut to {chars} characters)")
                text = text[:chars]
            return text

        note.history = block("History", limits.history.chars, limits.history.lines)
        note.physical_exam = block(
            "Physical examination", limits.physical_exam.chars, limits.physical_exam.lines
        )
        for i in range(limits.max_diagnoses):
            dx = input(f"Diagnosis #{i + 1} (empty to finish): ").strip()[: limits.diagnosis_chars]
            if not dx:
                break
            entry = NoteDiagnosisEntry(diagnosis=dx)
            for field_name in ("history", "exam"):
                for _ in range(limits.max_rows):
                    row = input(f"  {field_name} finding (empty to finish): ").strip()
                    if not row:
                        break
                    getattr(entry, field_name).append(row[: limits.row_chars])
            note.diagnoses.append(entry)
        for _ in range(limits.max_rows):
            row = input("Diagnostic study (empty to finish): ").strip()
            if not row:
                break
            note.studies.append(row[: limits.row_chars])
        session.submit_note(note)
    else:
        session.poll()
    if session.stage is Stage.DONE:
        _keep_in_history(case, fmt, session.attempt, args)
    out = _data_dir() / "attempts"
    out.mkdir(exist_ok=True)
    path = out / f"{session.attempt.id}.json"
    session.attempt.save(path)
    print(f"\nAttempt saved: {path}")
    return 0


def _keep_in_history(case: Any, fmt: Any, attempt: Any, args: argparse.Namespace | None) -> None:
    """A finished terminal attempt is scored and joins the learner's history, as in the app."""
    from app.core.feedback import build_feedback
    from app.core.store import Breakdown, StoreError

    fb = build_feedback(case, attempt, fmt)
    attempt.scores = {k: v for k, v in fb.scores().items() if v is not None}
    try:
        store = _open_store(args or argparse.Namespace())
    except StoreError as exc:
        print(f"(not in your history: {exc})", file=sys.stderr)
        return
    try:
        store.save_attempt(attempt, Breakdown.from_feedback(fb))
        print(f"\n{fb.summary}\nKept in {attempt.learner}'s history.")
    except StoreError as exc:
        print(f"(not in your history: {exc})", file=sys.stderr)
    finally:
        store.close()


# -- notes ---------------------------------------------------------------------------------
def _read_items(path: Path) -> list[tuple[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of {{'id': ..., 'text': ...}}")
    items: list[tuple[str, str]] = []
    for n, entry in enumerate(data):
        if not isinstance(entry, dict) or "id" not in entry or "text" not in entry:
            raise ValueError(f"{path}: entry {n} needs 'id' and 'text'")
        items.append((str(entry["id"]), str(entry["text"])))
    return items


def _read_note(path: Path) -> str:
    # exactly as stored: no newline translation, so offsets index the file's own text
    with path.open(encoding="utf-8", newline="") as fh:
        return fh.read()


def cmd_score_note(args: argparse.Namespace) -> int:
    from app.core.notes import NoteMatcher, default_reader

    try:
        items = _read_items(Path(args.items))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reader = default_reader().with_items(t for _, t in items)
    parsed = [reader.item(item_id, text) for item_id, text in items]
    status = 0
    for path_str in args.notes:
        path = Path(path_str)
        try:
            text = _read_note(path)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {path}: {exc}", file=sys.stderr)
            status = 2
            continue
        matcher = NoteMatcher(text, reader)
        results = [matcher.match(p).to_dict() for p in parsed]
        if len(args.notes) == 1:
            print(json.dumps(results))
        else:
            print(json.dumps({"note": path_str, "items": results}), flush=True)
    return status


# -- the attempt store: learners, export and import -------------------------------------------
def _open_store(args: argparse.Namespace) -> Any:
    """The store of --database, $OSCE_SIM_DATABASE, settings.json or the data folder's file."""
    from app.core.store import Store, database_url

    return Store(database_url(_data_dir(), getattr(args, "database", None)))


def _store_command(args: argparse.Namespace) -> int:
    from app.core.exchange import ExchangeError
    from app.core.store import StoreError

    try:
        store = _open_store(args)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        rc: int = args.store_func(args, store)
        return rc
    except (StoreError, ExchangeError, ValueError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        store.close()


def cmd_learners(args: argparse.Namespace, store: Any) -> int:
    if args.learners_command == "add":
        learner = store.add_learner(args.name)
        print(f"learner {learner.name!r} is ready")
        return 0
    learners = store.learners()
    if not learners:
        print("no learners yet")
    for lr in learners:
        print(f"{lr.name}\t{lr.attempts} attempts\tsince {lr.created_at:%Y-%m-%d}")
    return 0


def cmd_export(args: argparse.Namespace, store: Any) -> int:
    from app.core.exchange import export_csv, export_json

    learner = args.learner_name
    if learner not in {lr.name for lr in store.learners()}:
        print(f"no learner {learner!r} (see osce-sim learners)", file=sys.stderr)
        return 1
    path = Path(args.file)
    n = export_csv(store, learner, path) if args.csv else export_json(store, learner, path)
    print(f"{n} attempts of {learner} written to {path}")
    return 0


def cmd_import(args: argparse.Namespace, store: Any) -> int:
    from app.core.exchange import import_file

    learner, r = import_file(store, Path(args.file), args.learner_name)
    print(
        f"{learner}: {r.added} attempts added, {r.updated} updated with a newer copy, "
        f"{r.unchanged} already here"
        + (f", {r.other_learner} kept under another learner" if r.other_learner else "")
        + ("; their study plan too" if r.plan else "")
    )
    return 0


def cmd_fill_scores(args: argparse.Namespace, store: Any) -> int:
    from app.core.backfill import fill_breakdowns
    from app.core.cases import load_library
    from app.core.formats import load_formats

    formats, _errors = load_formats(_data_dir() / "formats")
    report = fill_breakdowns(store, load_library(), formats)
    print(f"{report.filled} attempts now have their checklist items and phase times")
    if report.missing:
        print(f"{len(report.missing)} left as they are: their case or exam format is not here")
    return 0


def cmd_report(args: argparse.Namespace, store: Any) -> int:
    """A PDF of one saved attempt, or of a learner's progress (charts, plan, readiness)."""
    import os
    from datetime import UTC, datetime

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a file is written, no window shown
    from PySide6.QtWidgets import QApplication

    from app.core.cases import load_library
    from app.core.feedback import build_feedback
    from app.core.formats import get_format
    from app.core.plans import load_progress
    from app.ui.reports import write_attempt_pdf, write_progress_pdf

    _app = QApplication.instance() or QApplication([])
    learner = args.learner_name or args.gui_learner
    if args.progress:
        out = args.attempt_id if args.out is None else args.out
        if out is None:
            print("usage: osce-sim report --progress OUT.pdf", file=sys.stderr)
            return 2
        progress = load_progress(store, learner, load_library().cases, datetime.now(UTC), None)
        write_progress_pdf(progress, str(out))
        print(f"progress of {learner} written to {out}")
        return 0
    if args.attempt_id is None or args.out is None:
        print("usage: osce-sim report ATTEMPT_ID OUT.pdf", file=sys.stderr)
        return 2
    try:
        attempt = store.load_attempt(args.attempt_id)
    except KeyError:
        print(f"no attempt {args.attempt_id!r}", file=sys.stderr)
        return 1
    try:
        case = load_library().get(attempt.case_id)
        fmt = get_format(attempt.format, _data_dir() / "formats")
    except KeyError as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    write_attempt_pdf(attempt, build_feedback(case, attempt, fmt), str(args.out))
    print(f"attempt {attempt.id} ({attempt.case_title}) written to {args.out}")
    return 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from app.core.attempt import Attempt
    from app.core.cases import load_library
    from app.core.feedback import build_feedback, render_text
    from app.core.formats import get_format

    try:
        attempt = Attempt.load(Path(args.attempt))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the attempt {args.attempt}: {exc}", file=sys.stderr)
        return 2
    lib = load_library()
    try:
        case = lib.get(attempt.case_id)
        fmt = get_format(attempt.format)
    except (KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    fb = build_feedback(case, attempt, fmt)
    if args.json:
        print(json.dumps(fb.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(render_text(fb))
    return 0


def cmd_practice(args: argparse.Namespace) -> int:
    from app.core.cases import load_library, load_shared_script

    lib = load_library()
    case_id = args.case_id
    if case_id is None:
        cases = sorted(lib.cases.values(), key=lambda c: c.id)
        if not cases:
            print("no cases found", file=sys.stderr)
            return 1
        for i, c in enumerate(cases, 1):
            print(f"{i:2}. {c.title}  [{c.complaint_group}, {c.difficulty}]")
        for path, errors in lib.broken.items():
            print(f"  (not loaded: {path.name}: {errors[0].message})")
        choice = input("Case number: ").strip()
        try:
            case_id = cases[int(choice) - 1].id
        except (ValueError, IndexError):
            print("no such case", file=sys.stderr)
            return 2
    try:
        case = lib.get(case_id)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    return _terminal_encounter(case, load_shared_script(), args.format, args.mode, args)


def cmd_gui(args: argparse.Namespace) -> int:
    from app.ui.app import run

    return run(
        args.gui_case,
        args.gui_format,
        args.gui_mode,
        database=args.database,
        learner=args.gui_learner,
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from app.ui.demo import run_demo

    return run_demo(
        args.case_id, speed=args.speed, screenshots=args.screenshots, format_name=args.format
    )


def cmd_kiosk(args: argparse.Namespace) -> int:
    from app.ui.kiosk import run_kiosk

    return run_kiosk(args.database, windowed=args.windowed)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="osce-sim", description=__doc__)
    p.add_argument("--version", action="version", version=f"osce-sim {__version__}")
    p.add_argument(
        "--case", dest="gui_case", metavar="ID", help="open the app at this case's door sign"
    )
    p.add_argument("--format", dest="gui_format", metavar="NAME", help="exam format for --case")
    p.add_argument(
        "--mode",
        dest="gui_mode",
        choices=["practice", "exam"],
        default="practice",
        help="practice: prompts and pausing; exam: neither",
    )
    p.add_argument(
        "--database",
        metavar="URL",
        help="where attempts are kept: a SQLite file (sqlite:///PATH) or a PostgreSQL server "
        "(postgresql://user:password@host/db) shared by a skills centre; default: "
        "$OSCE_SIM_DATABASE, settings.json's 'database', or attempts.sqlite3 in the data folder",
    )
    p.add_argument(
        "--learner", dest="gui_learner", metavar="NAME", default="default", help="whose history"
    )
    sub = p.add_subparsers(dest="command")

    cases = sub.add_parser("cases", help="validate and list case files")
    csub = cases.add_subparsers(dest="cases_command", required=True)
    v = csub.add_parser("validate", help="check case files; exit 1 on any error")
    v.add_argument("paths", nargs="*", help="files or folders (default: the bundled library)")
    v.add_argument("--json", action="store_true", help="machine-readable report")
    v.set_defaults(func=cmd_cases_validate)
    lint = csub.add_parser(
        "lint", help="check that each case proves itself (reachable items, model note, vitals)"
    )
    lint.add_argument("paths", nargs="*", help="files or folders (default: the bundled library)")
    lint.add_argument("--format", default="step2cs", help="the exam format whose limits apply")
    lint.add_argument("--json", action="store_true", help="machine-readable report")
    lint.set_defaults(func=cmd_cases_lint)
    ls = csub.add_parser("list", help="list the cases")
    ls.add_argument("paths", nargs="*")
    ls.set_defaults(func=cmd_cases_list)

    formats = sub.add_parser("formats", help="list the exam formats")
    formats.set_defaults(func=cmd_formats_list)

    ask = sub.add_parser("ask", help="ask the SP one question (JSON), or talk in the terminal")
    ask.add_argument("case_id")
    ask.add_argument("question", nargs="?")
    ask.add_argument("--minute", type=float, help="minute of the encounter (for the challenge)")
    ask.add_argument("--format", default="step2cs")
    ask.add_argument("--mode", choices=["practice", "exam"], default="practice")
    ask.set_defaults(func=cmd_ask)

    sn = sub.add_parser(
        "score-note", help="which checklist items a patient note holds, with character spans"
    )
    sn.add_argument("--items", required=True, help='JSON list of {"id": ..., "text": ...}')
    sn.add_argument("notes", nargs="+", metavar="NOTE", help="plain-text note files (UTF-8)")
    sn.set_defaults(func=cmd_score_note)

    fb = sub.add_parser("feedback", help="the full feedback of a saved attempt")
    fb.add_argument("attempt", metavar="ATTEMPT.json")
    fb.add_argument("--json", action="store_true", help="print JSON instead of text")
    fb.set_defaults(func=cmd_feedback)

    rep = sub.add_parser(
        "report", help="a PDF of a saved attempt, or of progress (--progress OUT.pdf)"
    )
    rep.add_argument("attempt_id", nargs="?", metavar="ATTEMPT_ID")
    rep.add_argument("out", nargs="?", metavar="OUT.pdf")
    rep.add_argument("--progress", action="store_true", help="charts, plan and readiness")
    rep.add_argument("--learner", dest="learner_name", metavar="NAME", help="whose progress")
    rep.set_defaults(func=_store_command, store_func=cmd_report)

    lrn = sub.add_parser("learners", help="list the learners, or add one")
    lsub = lrn.add_subparsers(dest="learners_command")
    add = lsub.add_parser("add", help="add a learner")
    add.add_argument("name")
    lrn.set_defaults(func=_store_command, store_func=cmd_learners)

    ex = sub.add_parser("export", help="write a learner's attempts to a file for another machine")
    ex.add_argument("file", metavar="FILE")
    ex.add_argument("--learner", dest="learner_name", default="default", metavar="NAME")
    ex.add_argument("--csv", action="store_true", help="one row per attempt, for a spreadsheet")
    ex.set_defaults(func=_store_command, store_func=cmd_export)

    im = sub.add_parser("import", help="add the attempts of an export; never twice")
    im.add_argument("file", metavar="FILE")
    im.add_argument(
        "--learner", dest="learner_name", metavar="NAME", help="(default: the file's learner)"
    )
    im.set_defaults(func=_store_command, store_func=cmd_import)

    fill = sub.add_parser(
        "fill-scores",
        help="checklist items and phase times for attempts saved by the first release "
        "(from their cases; scores unchanged)",
    )
    fill.set_defaults(func=_store_command, store_func=cmd_fill_scores)

    demo = sub.add_parser("demo", help="play a scripted encounter through the real window")
    demo.add_argument("case_id", nargs="?", help="the case to play (default: the first)")
    demo.add_argument("--speed", type=float, default=20.0, help="times faster than real time")
    demo.add_argument("--screenshots", type=Path, metavar="DIR", help="save a PNG of every screen")
    demo.add_argument("--format", default="step2cs")
    demo.set_defaults(func=cmd_demo)

    ks = sub.add_parser(
        "kiosk", help="a skills-centre station: full screen, candidates sign in, proctor PIN"
    )
    ks.add_argument("--windowed", action="store_true", help="in a window (to set it up)")
    ks.set_defaults(func=cmd_kiosk)

    pr = sub.add_parser("practice", help="a timed encounter and note in the terminal")
    pr.add_argument("case_id", nargs="?")
    pr.add_argument("--format", default="step2cs")
    pr.add_argument("--mode", choices=["practice", "exam"], default="practice")
    pr.set_defaults(func=cmd_practice)

    from app.cli_audio import add_parsers as add_audio_parsers

    add_audio_parsers(sub)  # check, recordings
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return cmd_gui(args)
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
