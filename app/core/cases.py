"""Loading and validating case files.

A case library must survive one bad file: each file loads on its own, and a broken one is
reported with its file, field and line while the rest load.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from app import __version__
from app.core.case_schema import SCHEMA_VERSION, Case, SharedScript
from app.core.resources import cases_dir, user_cache_dir
from app.core.yamlio import (
    FieldError,
    LoadError,
    YamlDoc,
    load_model,
    parse_yaml,
    read_yaml_file,
    validate_doc,
)

SHARED_SCRIPT_NAME = "_shared_script.yaml"


def _check_schema_version(doc: YamlDoc) -> None:
    data = doc.data
    if isinstance(data, dict) and "schema_version" in data:
        v = data["schema_version"]
        if isinstance(v, int) and v > SCHEMA_VERSION:
            raise LoadError(
                [
                    doc.error(
                        ["schema_version"],
                        f"this file needs a newer OSCE Simulator (schema {v}; this one reads "
                        f"up to {SCHEMA_VERSION})",
                    )
                ]
            )


def _cross_references(doc: YamlDoc, case: Case) -> list[FieldError]:
    """Checks the schema cannot express: ids that must exist and be unique."""
    errors: list[FieldError] = []
    cl = case.checklists

    def unique(items: Iterable[str], path: list[str | int], what: str) -> set[str]:
        seen: set[str] = set()
        for i, ident in enumerate(items):
            if ident in seen:
                errors.append(doc.error([*path, i, "id"], f"duplicate {what} id {ident!r}"))
            seen.add(ident)
        return seen

    unique((h.id for h in case.history), ["history"], "history item")
    unique((e.id for e in case.exam), ["exam"], "exam item")
    dg = unique((c.id for c in cl.data_gathering), ["checklists", "data_gathering"], "checklist")
    pe = unique((c.id for c in cl.physical_exam), ["checklists", "physical_exam"], "checklist")
    nh = unique((c.id for c in cl.note.history), ["checklists", "note", "history"], "note item")
    ne = unique((c.id for c in cl.note.exam), ["checklists", "note", "exam"], "note item")
    dx = unique((d.id for d in cl.note.diagnoses), ["checklists", "note", "diagnoses"], "diagnosis")
    unique((t.id for t in cl.note.tests), ["checklists", "note", "tests"], "test")

    for i, h in enumerate(case.history):
        for j, ref in enumerate(h.checklist):
            if ref not in dg:
                errors.append(
                    doc.error(
                        ["history", i, "checklist", j],
                        f"{ref!r} is not a data_gathering checklist id",
                    )
                )
    for i, e in enumerate(case.exam):
        for j, ref in enumerate(e.checklist):
            if ref not in pe:
                errors.append(
                    doc.error(
                        ["exam", i, "checklist", j], f"{ref!r} is not a physical_exam checklist id"
                    )
                )
    for i, d in enumerate(cl.note.diagnoses):
        for j, ref in enumerate(d.history_support):
            if ref not in nh:
                errors.append(
                    doc.error(
                        ["checklists", "note", "diagnoses", i, "history_support", j],
                        f"{ref!r} is not a note history item id",
                    )
                )
        for j, ref in enumerate(d.exam_support):
            if ref not in ne:
                errors.append(
                    doc.error(
                        ["checklists", "note", "diagnoses", i, "exam_support", j],
                        f"{ref!r} is not a note exam item id",
                    )
                )
    for i, t in enumerate(cl.note.tests):
        for j, ref in enumerate(t.addresses):
            if ref not in dx:
                errors.append(
                    doc.error(
                        ["checklists", "note", "tests", i, "addresses", j],
                        f"{ref!r} is not a diagnosis id",
                    )
                )
    return errors


def parse_case(text: str, file: str) -> Case:
    """Parse and fully validate one case from its text; raises LoadError."""
    return _validate_case(parse_yaml(text, file))


def _validate_case(doc: YamlDoc) -> Case:
    _check_schema_version(doc)
    case = validate_doc(doc, Case)
    errors = _cross_references(doc, case)
    if errors:
        raise LoadError(errors)
    return case


def load_case_file(path: Path) -> Case:
    return _validate_case(read_yaml_file(path))


class CaseCache:
    """Validated cases kept as JSON, keyed by the file's bytes and the loader's own version.

    Parsing a case's YAML with line numbers and validating it takes ~20 ms; a library of 25
    cases would add half a second to every start. pydantic reads the JSON of an already
    checked case in ~0.5 ms. An entry is found by the hash of the file's content (not its
    mtime, which a copy or a coarse clock can leave unchanged), so an edited case is always
    parsed again and its errors shown. The cache is only a cache: an unreadable, stale or
    corrupt entry is ignored and rebuilt, and a read-only folder just means no cache.
    """

    MAX_AGE_S = 60 * 24 * 3600  # entries unused this long are removed when a new one is written

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._salt = _loader_salt()

    def _entry(self, content: bytes) -> Path | None:
        if self.folder is None:
            return None
        digest = hashlib.blake2b(content, digest_size=20, key=self._salt).hexdigest()
        return self.folder / f"{digest}.json"

    def get(self, content: bytes) -> Case | None:
        entry = self._entry(content)
        if entry is None:
            return None
        try:
            return Case.model_validate_json(entry.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None

    def put(self, content: bytes, case: Case) -> None:
        entry = self._entry(content)
        if entry is None:
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            # no fsync: a torn entry fails validation and is rebuilt
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=entry.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(case.model_dump_json())
            Path(tmp).replace(entry)
            self._prune(keep=entry)
        except OSError:
            return

    def _prune(self, keep: Path) -> None:
        assert self.folder is not None
        cutoff = time.time() - self.MAX_AGE_S
        for old in self.folder.glob("*.json"):
            try:
                if old != keep and old.stat().st_mtime < cutoff:
                    old.unlink()
            except OSError:
                continue


def _loader_salt() -> bytes:
    """What a cached case depends on besides its file: the schema and the cross-checks."""
    h = hashlib.blake2b(f"{__version__}/{SCHEMA_VERSION}".encode(), digest_size=16)
    for module in (Path(__file__), Path(__file__).with_name("case_schema.py")):
        # a frozen build without sources: the version alone decides
        with contextlib.suppress(OSError):
            h.update(module.read_bytes())
    return h.digest()


def _load_cached(path: Path, cache: CaseCache) -> Case:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise LoadError([FieldError(str(path), "", None, f"cannot read the file: {exc}")]) from exc
    case = cache.get(content)
    if case is None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(
                [FieldError(str(path), "", None, f"cannot read the file: {exc}")]
            ) from exc
        case = _validate_case(parse_yaml(text, str(path)))
        cache.put(content, case)
    return case


def load_shared_script(folder: Path | None = None) -> SharedScript:
    path = (folder or cases_dir()) / SHARED_SCRIPT_NAME
    if not path.exists():
        path = cases_dir() / SHARED_SCRIPT_NAME
    return load_model(path, SharedScript)


@dataclass
class CaseLibrary:
    """The cases that loaded, and the files that did not with their errors."""

    cases: dict[str, Case] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    broken: dict[Path, list[FieldError]] = field(default_factory=dict)

    def get(self, case_id: str) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            raise KeyError(
                f"no case {case_id!r}; known cases: {', '.join(sorted(self.cases)) or 'none'}"
            ) from None


def case_files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(f for f in sorted(p.glob("*.y*ml")) if not f.name.startswith(("_", ".")))
        else:
            out.append(p)
    return out


def load_library(*folders: Path, cache: CaseCache | None = None) -> CaseLibrary:
    """Load every case in the folders (the bundled library by default).

    `cache` defaults to the user's cache folder; pass `CaseCache(None)` for none.
    """
    lib = CaseLibrary()
    if cache is None:
        base = user_cache_dir()
        cache = CaseCache(base / "cases" if base else None)
    for path in case_files(folders or (cases_dir(),)):
        try:
            case = _load_cached(path, cache)
        except LoadError as exc:
            lib.broken[path] = exc.errors
            continue
        if case.id in lib.cases:
            lib.broken[path] = [
                FieldError(
                    str(path),
                    "id",
                    1,
                    f"case id {case.id!r} is already used by {lib.files[case.id]}",
                )
            ]
            continue
        lib.cases[case.id] = case
        lib.files[case.id] = path
    return lib
