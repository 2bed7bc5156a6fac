"""Write template.yaml's parameter table into the README's deploy section (or check that it is current).

`python tools/readme_parameters.py` rewrites the table under "### Parameters" between the
`<!-- BEGIN:deploy -->` and `<!-- END:deploy -->` markers, from the parameters' groups, defaults and
descriptions; `--check` exits 1 when the README's table differs from the template's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- BEGIN:deploy -->", "<!-- END:deploy -->"
HEADING, NEXT_HEADING = "### Parameters\n\n", "\n\n### "


def parameter_table(template: dict[str, Any]) -> str:
    """The Markdown table: one row per parameter, in the console's group order."""
    rows = ["| parameter | default | what it sets |", "|---|---|---|"]
    for group in template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]:
        for name in group["Parameters"]:
            spec = template["Parameters"][name]
            default = spec.get("Default")
            if default is None:
                shown = "*(required)*"
            elif default == "":
                shown = "*(empty)*"
            elif len(str(default)) > 38:
                shown = "see the AMI step above"
            else:
                shown = f"`{default}`"
            description = " ".join(str(spec["Description"]).split()).replace("|", "\\|")
            rows.append(f"| `{name}` | {shown} | {description} |")
    return "\n".join(rows)


def with_table(readme: str, table: str) -> str:
    """The README with the deploy section's parameter table replaced by `table`."""
    begin, end = readme.index(BEGIN), readme.index(END)
    section = readme[begin:end]
    start = section.index(HEADING) + len(HEADING)
    stop = section.index(NEXT_HEADING, start)
    return readme[:begin] + section[:start] + table + section[stop:] + readme[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when the table is stale")
    args = parser.parse_args(argv)
    template = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    updated = with_table(readme, parameter_table(template))
    if args.check:
        if updated != readme:
            print(
                "README.md: the parameter table is stale; run python tools/readme_parameters.py",
                file=sys.stderr,
            )
            return 1
        return 0
    if updated != readme:
        readme_path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
