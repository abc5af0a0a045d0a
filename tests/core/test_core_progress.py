"""The progress line of exports, in the app and on the command line."""

from __future__ import annotations

import io

from rootable.core.report import ProgressPrinter, ProgressText, format_duration


def test_progress_text_rate_time_left_and_input():
    progress = ProgressText(inputs=["/data/a.root", "/data/b.root"], entry_counts=[40, 40], started=100.0)

    # 50 of 80 entries in 2 s: 25 entries/s, 30 left take 1.2 s; 10 of b.root's 40 are done.
    text = progress.text(50, 80, now=102.0)

    assert text == "62% · 25 entries/s · 0:01 left · reading b.root (2 of 2, 25%)"


def test_progress_per_input_counts_only_the_range():
    # Entries 35 to 80: the last 5 of a.root, then all 40 of b.root.
    progress = ProgressText(inputs=["a.root", "b.root"], entry_counts=[40, 40], entry_start=35, started=0.0)

    assert progress.current_input(0, 45) == (0, "a.root", 0, 5)
    assert progress.current_input(4, 45) == (0, "a.root", 4, 5)
    assert progress.current_input(5, 45) == (1, "b.root", 0, 40)
    assert progress.current_input(25, 45) == (1, "b.root", 20, 40)
    assert progress.current_input(45, 45) == (1, "b.root", 40, 40)


def test_progress_without_counts_or_with_one_input():
    unknown = ProgressText(inputs=["a.root", "b.root"], entry_counts=None, started=0.0)
    assert unknown.text(0, 80, now=1.0) == "0%"
    assert unknown.current_input(10, 80) is None

    single = ProgressText(inputs=["a.root"], entry_counts=[80], started=0.0)
    assert single.text(20, 80, now=1.0) == "25% · 20 entries/s · 0:03 left"


def test_progress_printer_redraws_one_line():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, ["a.root", "b.root"])
    printer.inputs_opened([40, 40])

    printer(40, 80)
    printer(80, 80)

    lines = stream.getvalue().split("\r")
    assert lines[1].startswith("50% · ")
    # After the last entry of a.root, the next one to read is the first of b.root.
    assert lines[1].rstrip().endswith("reading b.root (2 of 2, 0%)")
    assert lines[2].startswith("100% · ")
    assert lines[2].endswith("reading b.root (2 of 2, 100%)\n")


def test_format_duration():
    assert format_duration(5.4) == "0:05"
    assert format_duration(125) == "2:05"
    assert format_duration(3 * 3600 + 61) == "3:01:01"
    assert format_duration(-1) == "0:00"


def test_progress_line_while_inputs_are_checked():
    stream = io.StringIO()
    printer = ProgressPrinter(stream, ["a.root", "b.root", "c.root"])

    printer.checking(1, 3)
    printer.inputs_opened([40, 40, 40])
    printer(40, 120)

    lines = stream.getvalue().split("\r")
    assert lines[1].rstrip() == "checking the inputs: 2 of 3"
    assert lines[2].startswith("33% · ")
