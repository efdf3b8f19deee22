"""One list of pins: pyproject.toml and the requirements files agree."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _reqs(name):
    lines = (ROOT / name).read_text().splitlines()
    return sorted(line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r")))


def test_pins_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert sorted(project["dependencies"]) == _reqs("requirements.txt")
    assert sorted(project["optional-dependencies"]["test"]) == _reqs("requirements-dev.txt")
    assert all("==" in pin for pin in project["dependencies"])
