"""Loading and validating case files.

A case library must survive one bad file: each file loads on its own, and a broken one is
reported with its file, field and line while the rest load.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.case_schema import SCHEMA_VERSION, Case, SharedScript
from app.core.resources import cases_dir
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


def load_library(*folders: Path) -> CaseLibrary:
    """Load every case in the folders (the bundled library by default)."""
    lib = CaseLibrary()
    for path in case_files(folders or (cases_dir(),)):
        try:
            case = load_case_file(path)
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
