"""Dependencies as declared. deptry (`make lint`) checks that every import is declared and every declaration used;
it cannot tell tests from application code, so this checks that application code imports no dev-only package."""

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_APPLICATION = {"tests", "benchmarks", ".venv", "node_modules", "migrations", "data"}


def _name(requirement):
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower().replace("_", "-")


def dev_only_modules():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {_name(spec) for spec in project["project"]["dependencies"]}
    dev = {_name(spec) for spec in project["dependency-groups"]["dev"]} - runtime
    return {
        module
        for module, distributions in packages_distributions().items()
        if any(name.lower().replace("_", "-") in dev for name in distributions)
    }


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_application_code_imports_no_dev_only_package():
    dev_only = dev_only_modules()
    assert {"pytest", "factory", "hypothesis"} <= dev_only
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in ROOT.rglob("*.py")
        if not NOT_APPLICATION & set(path.relative_to(ROOT).parts)
        for module in imported_modules(path)
        if module in dev_only
    ]
    assert offenders == []
