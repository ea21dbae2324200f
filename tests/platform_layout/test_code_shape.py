"""The code's shape: no module grows past what a reader takes in at once, and every app has the same pieces."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 600
NOT_MEASURED = {".venv", "node_modules", "migrations", "benchmarks", "data"}

NOT_APPS = {"config", "common", "tests", "benchmarks"}  # settings, a plain shared package, tests, benchmarks


def python_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if not NOT_MEASURED & set(relative.parts):
            yield relative


def line_count(relative):
    with (ROOT / relative).open("rb") as handle:
        return sum(1 for _ in handle)


def test_no_python_module_is_longer_than_600_lines():
    too_long = {str(relative): lines for relative in python_modules() if (lines := line_count(relative)) > MAX_LINES}
    assert too_long == {}, f"split these modules by subject (at most {MAX_LINES} lines): {too_long}"


def top_level_packages():
    return sorted(path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in NOT_MEASURED)


def test_every_top_level_package_but_config_common_tests_and_benchmarks_is_an_installed_app():
    installed = {config.name for config in apps.get_app_configs()}
    assert [name for name in top_level_packages() if name not in NOT_APPS and name not in installed] == []
    assert [name for name in sorted(NOT_APPS) if name in installed] == []


def test_every_app_has_apps_py_and_an_admin_for_its_models():
    missing = []
    for name in top_level_packages():
        if name in NOT_APPS:
            continue
        folder = ROOT / name
        if not (folder / "apps.py").is_file():
            missing.append(f"{name}/apps.py")
        if list(apps.get_app_config(name).get_models()) and not (folder / "admin.py").is_file():
            missing.append(f"{name}/admin.py")
    assert missing == []


# Imports inside functions, each for a real reason (start-up order, a slow optional library), never to hide an edge
# between modules; AppConfig.ready() is where apps register with the apps below them.
INNER_IMPORTS_ALLOWED = {
    "config/wsgi.py": "settings are read once Django is set up by get_wsgi_application()",
    "cameras/importing.py": "openpyxl is slow to import and only XLSX files need it",
    "manage.py": "Django's own entry point: the settings module is chosen before Django is imported",
}


def test_no_import_hides_inside_a_function():
    found = []
    for relative in python_modules():
        if relative.parts[0] in {"tests", "benchmarks"} or relative.name == "apps.py":
            continue
        if str(relative) in INNER_IMPORTS_ALLOWED:
            continue
        tree = ast.parse((ROOT / relative).read_text(), filename=str(relative))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        found.append(f"{relative}:{node.lineno}")
    assert found == [], f"imports inside functions (import at the top, or register from above): {found}"
