"""File → Trace script…: the dialog checks the script and arguments before anything runs, and
what it returns is what the traced run gets."""

import pytest

from tests.workbench.test_tracing import PROGRAMS
from ui.trace_script_dialog import TraceScriptDialog, parse_args


def test_a_good_script_with_arguments_becomes_a_request(qtbot):
    dialog = TraceScriptDialog(str(PROGRAMS / "ok_futures.py"), mode="sync", timeout_s=12)
    qtbot.addWidget(dialog)
    dialog.args_edit.setText("--size 10 'two words'")
    dialog.accept()
    req = dialog.request()
    assert req.path == str((PROGRAMS / "ok_futures.py").resolve())
    assert req.args == ["--size", "10", "two words"]
    assert (req.mode, req.timeout_s) == ("sync", 12)


@pytest.mark.parametrize(
    "path, args, message",
    [
        ("no_such_file.py", "", "no such script: no_such_file.py"),
        (str(PROGRAMS / "ok_futures.py"), "'open quote", "arguments: No closing quotation"),
    ],
)
def test_bad_input_is_one_line_and_keeps_the_dialog_open(qtbot, path, args, message):
    dialog = TraceScriptDialog(path)
    qtbot.addWidget(dialog)
    dialog.args_edit.setText(args)
    dialog.accept()
    assert dialog.request() is None and dialog.error_label.text() == message


def test_a_syntax_error_names_the_file_and_line(qtbot, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\nif x\n")
    dialog = TraceScriptDialog(str(broken))
    qtbot.addWidget(dialog)
    dialog.accept()
    assert dialog.error_label.text().startswith(f"{broken.resolve()}:2: SyntaxError")


def test_arguments_split_like_a_shell():
    assert parse_args("a 'b c' \"d\"") == ["a", "b c", "d"]
