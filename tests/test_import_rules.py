"""The one-way import rules of DESIGN.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "automl"

# library -> the only places (paths relative to automl/) allowed to import it
ALLOWED = {
    "mlflow": ("tracking/",),
    "click": ("cli/",),
    "optuna": ("space/", "training/", "search/", "api.py", "estimators.py", "ensembles/",
               "reports/"),
}
# package -> packages of automl it must never import
FORBIDDEN = {
    "models/": ("automl.space", "automl.search", "automl.training", "automl.tracking", "optuna"),
    "data/": ("automl.models", "automl.training", "automl.search", "automl.tracking", "keras",
              "tensorflow", "optuna", "mlflow"),
    "space/": ("automl.models", "automl.training", "automl.search", "automl.tracking", "keras"),
    "training/": ("automl.search", "automl.tracking", "automl.cli"),
    "tracking/": ("automl.search", "automl.training", "automl.cli", "keras", "optuna"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources() -> list[tuple[str, set[str]]]:
    return [(p.relative_to(PACKAGE).as_posix(), imported_modules(p))
            for p in sorted(PACKAGE.rglob("*.py"))]


def test_third_party_libraries_stay_in_their_layer():
    offenders = [
        (relative, module)
        for relative, modules in sources()
        for module in modules
        for library, places in ALLOWED.items()
        if module.split(".")[0] == library and not relative.startswith(places)
    ]
    assert offenders == []


def test_lower_layers_never_import_upper_ones():
    offenders = [
        (relative, module)
        for relative, modules in sources()
        for package, banned in FORBIDDEN.items() if relative.startswith(package)
        for module in modules
        if any(module == b or module.startswith(b + ".") for b in banned)
    ]
    assert offenders == []


def test_nothing_imports_the_cli():
    offenders = [(r, m) for r, ms in sources() for m in ms
                 if m.startswith("automl.cli") and not r.startswith(("cli/", "__main__"))]
    assert offenders == []
