"""Load YAML into a pydantic model with errors that name the file, the field and the line.

Authors of case files are teachers, not programmers: an error must point at the line to fix.
PyYAML's node tree keeps line numbers, so we build a map from field path to line while loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

try:  # the C loader is ~10x faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the platform's PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

M = TypeVar("M", bound=BaseModel)
PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class FieldError:
    """One problem in one file, pointing at the field and line to fix."""

    file: str
    field: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "field": self.field, "line": self.line, "message": self.message}


class LoadError(Exception):
    """A file that could not be loaded; carries every error found in it."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _walk(
    node: yaml.Node, path: PathKey, lines: dict[PathKey, int], dups: list[tuple[PathKey, int]]
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dups)


@dataclass
class YamlDoc:
    """Parsed YAML data with a field-path to line map."""

    file: str
    data: Any
    lines: dict[PathKey, int]

    def line_of(self, path: Sequence[str | int]) -> int | None:
        # Walk up to the nearest ancestor that exists (a missing field has no line of its own).
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def error(self, path: Sequence[str | int], message: str) -> FieldError:
        return FieldError(self.file, format_path(path), self.line_of(path), message)


def parse_yaml(text: str, file: str) -> YamlDoc:
    """Parse YAML text; raises LoadError naming the line of a syntax error or duplicate key."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise LoadError([FieldError(file, "", line, f"YAML syntax error: {msg}")]) from exc
    except yaml.YAMLError as exc:
        raise LoadError([FieldError(file, "", None, f"YAML error: {exc}")]) from exc
    lines: dict[PathKey, int] = {}
    dups: list[tuple[PathKey, int]] = []
    if node is not None:
        _walk(node, (), lines, dups)
    if dups:
        raise LoadError(
            [
                FieldError(file, format_path(p), line, "duplicate key (the later one would win)")
                for p, line in dups
            ]
        )
    return YamlDoc(file, data, lines)


def _pydantic_message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "extra_forbidden":
        return "unknown field (check the spelling)"
    if err.get("type") == "missing":
        return "required field is missing"
    inp = err.get("input")
    if err.get("type") in {"literal_error", "string_pattern_mismatch"} and isinstance(inp, str):
        return f"{msg} (got {inp!r})"
    return msg


def validate_doc(doc: YamlDoc, model: type[M]) -> M:
    """Validate parsed YAML against a model, mapping every error to its field and line."""
    if not isinstance(doc.data, dict):
        kind = "empty" if doc.data is None else type(doc.data).__name__
        raise LoadError([doc.error((), f"expected a mapping of fields at the top, got {kind}")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            # pydantic puts the tag of a Literal/union branch in loc; keep real keys only.
            path = [
                p for p in err["loc"] if isinstance(p, int) or not str(p).startswith("literal[")
            ]
            errors.append(doc.error(path, _pydantic_message(err)))
        raise LoadError(errors) from None


def read_yaml_file(path: Path) -> YamlDoc:
    """Read and parse one YAML file; an unreadable file is a LoadError like any other."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([FieldError(str(path), "", None, f"cannot read the file: {exc}")]) from exc
    return parse_yaml(text, str(path))


def load_model(path: Path, model: type[M]) -> M:
    """Read, parse and validate one YAML file."""
    return validate_doc(read_yaml_file(path), model)
