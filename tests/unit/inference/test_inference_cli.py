"""`warmfleet-inference`: make-model writes the model, serve refuses bad options, every command exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from warmfleet_inference.cli import main


def test_make_model_writes_the_model_and_its_checksum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN / WHEN make-model runs with a small size
    code = main(["make-model", str(tmp_path / "m.onnx"), "--hidden-dim", "8", "--layers", "1"])
    # THEN the model and its checksum exist, and the digest is printed
    digest = (tmp_path / "m.onnx.sha256").read_text().split()[0]
    assert code == 0 and (tmp_path / "m.onnx").stat().st_size > 0
    assert capsys.readouterr().out.startswith(digest)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["make-model", "m.onnx", "--layers", "0"], "layers must be at least 1", id="zero-layers"
        ),
        pytest.param(
            ["serve", "--model", "m.onnx", "--port", "1", "--max-batch-size", "0"],
            "max batch size must be at least 1",
            id="zero-batch",
        ),
        pytest.param(
            ["serve", "--model", "m.onnx", "--port", "70000"], "port must be 0..65535", id="bad-port"
        ),
    ],
)
def test_bad_options_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN / WHEN the command runs / THEN it exits 2 and says why on stderr
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", ["serve", "make-model", "agent", "submit", "publish"])
def test_every_subcommand_is_registered_with_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN / WHEN a subcommand's --help / THEN argparse prints its usage and exits 0
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"warmfleet-inference {command}" in capsys.readouterr().out


def test_malformed_warmup_batch_sizes_are_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN / WHEN a non-numeric size list / THEN argparse refuses it (exit 2) naming the value
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--model", "m.onnx", "--port", "1", "--warmup-batch-sizes", "1,eight"])
    assert exit_info.value.code == 2 and "'1,eight'" in capsys.readouterr().err
