"""The layers of DESIGN.md hold: checked by walking every import."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "cathlog"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


FILES = sorted(PKG.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PKG.parent).as_posix()


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_qt_and_reportlab_stay_in_their_layers(path):
    rel = _rel(path)
    mods = _imports(path)
    if any(m.split(".")[0] == "PySide6" for m in mods):
        assert rel.startswith("cathlog/ui/") or rel == "cathlog/app.py", rel
    if any(m.split(".")[0] == "reportlab" for m in mods):
        assert rel.startswith("cathlog/reports/"), rel


# What each layer may import of cathlog (arrows point down only).
ALLOWED = {
    "domain": {"domain"},
    "rules": {"domain", "rules", "resources"},  # resources: a leaf that finds shipped data files
    "store": {"domain", "store", "fileio", "paths"},  # fileio, paths: leaves (safe writes, private modes; where files live)
    "services": {"domain", "rules", "store", "services", "paths"},
    "exchange": {"domain", "rules", "services", "store", "exchange", "fileio"},
    "reports": {"domain", "rules", "services", "store", "reports", "fileio", "resources"},
}


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_layers_import_only_downwards(path):
    parts = path.relative_to(PKG).parts
    layer = parts[0].removesuffix(".py")
    if layer not in ALLOWED:
        return
    for mod in _imports(path):
        if mod.startswith("cathlog."):
            target = mod.split(".")[1]
            assert target in ALLOWED[layer], f"{_rel(path)} imports {mod}"


@pytest.mark.parametrize("path", FILES, ids=_rel)
def test_only_store_speaks_sql(path):
    rel = _rel(path)
    if rel.startswith("cathlog/store/"):
        return
    assert not any(m in ("sqlite3", "sqlite_utils") or m.startswith("sqlite_utils.") for m in _imports(path)), rel


def test_ui_and_cli_do_not_touch_the_store_directly():
    for path in list((PKG / "ui").rglob("*.py")) + list((PKG / "cli").rglob("*.py")):
        for mod in _imports(path):
            assert not mod.startswith("cathlog.store.records") and not mod.startswith("cathlog.store.users"), path
