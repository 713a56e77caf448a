"""A dropped SP is freed: the window keeps only the last few cases' engines (issue 4)."""

from __future__ import annotations

import gc
import weakref

from app.core.case_schema import SharedScript
from app.core.dialogue import Conversation, DialogueEngine


def test_a_dropped_engine_and_its_analyzer_are_freed(library, shared: SharedScript) -> None:  # type: ignore[no-untyped-def]
    case = next(iter(library.cases.values()))
    engine = DialogueEngine(case, shared)
    conv = Conversation(engine)
    conv.ask("how long have you had the pain and does anything make it worse?", 10.0)
    engine.analyzer.analyse("any fevre or chills?")  # fills the speller's cache too
    engine_ref = weakref.ref(engine)
    analyzer_ref = weakref.ref(engine.analyzer)
    speller_ref = weakref.ref(engine.analyzer.speller)
    del engine, conv
    gc.collect()
    assert engine_ref() is None
    assert analyzer_ref() is None
    assert speller_ref() is None


def test_the_analyzer_still_remembers_its_analyses(library, shared: SharedScript) -> None:  # type: ignore[no-untyped-def]
    engine = DialogueEngine(next(iter(library.cases.values())), shared)
    first = engine.analyzer.analyse("any shortness of breth?")
    assert engine.analyzer.analyse("any shortness of breth?") is first
    assert "breath" in first.words
