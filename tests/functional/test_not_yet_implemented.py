"""Until its issue lands, a valid event on a path still to be built gets a clear error, never a pretence.

Each later issue removes its rows here as it implements the path.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from warmfleet.exceptions import NotYetImplementedError

from tests.conftest import FakeLambdaContext, load_event, load_function

PENDING: list[tuple[str, str]] = []


@pytest.mark.parametrize(("function", "fixture"), [pytest.param(f, e, id=f"{f}:{e}") for f, e in PENDING])
def test_pending_path_says_so(
    function: str,
    fixture: str,
    function_env: Callable[[str], None],
    lambda_context: FakeLambdaContext,
    aws_calls: list[str],
) -> None:
    function_env(function)
    with pytest.raises(NotYetImplementedError, match="nothing was"):
        load_function(function).lambda_handler(load_event(fixture), lambda_context)
    assert aws_calls == []
