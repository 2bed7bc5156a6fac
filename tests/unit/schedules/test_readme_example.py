"""The README's SCHEDULE_WINDOWS example is a valid window list, and the lead it documents is the code's."""

from __future__ import annotations

import re

from warmfleet.schedules import DEFAULT_LEAD_SECONDS, load_windows

from tests.conftest import ROOT

SECTION = re.search(r"<!-- BEGIN:alarms -->(.*)<!-- END:alarms -->", (ROOT / "README.md").read_text(), re.S)


def test_readme_window_example_loads() -> None:
    # GIVEN the README's alarms section WHEN its JSON example is loaded THEN it is one valid window
    assert SECTION is not None
    (example,) = re.findall(r"```json\n(.*?)```", SECTION.group(1), re.S)
    (window,) = load_windows(example)
    assert (window.name, str(window.zone), window.floor) == ("busy-hours", "America/New_York", 2)


def test_readme_states_the_default_lead() -> None:
    assert SECTION is not None
    assert f"**{DEFAULT_LEAD_SECONDS:.0f} s**" in SECTION.group(1)
