"""One table of environment variables (:mod:`graph.environment`): complete, documented, read in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.settings import APP_SETTINGS, settings_markdown
from graph.environment import ENVIRONMENT, env_value, environment_markdown, variable

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "ingest", "recommend", "workflow", "api", "analytics", "render")
_NAME = re.compile(r"KGMATCH_[A-Z0-9_]*[A-Z0-9]")


def _mentioned() -> dict[str, str]:
    """Every ``KGMATCH_*`` name in the code, scripts, notebooks and tests → one file that names it."""
    files = [p for d in (*PACKAGES, "tests", "bench", "notebooks", "deploy") if (ROOT / d).is_dir()
             for p in (ROOT / d).rglob("*") if p.suffix in {".py", ".sh", ".ipynb", ".java"} and p.is_file()]
    found: dict[str, str] = {}
    for path in [*files, ROOT / "Makefile"]:
        for name in _NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
            found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_variable_the_project_names_is_in_the_table():
    known = {v.name for v in ENVIRONMENT}
    missing = {name: where for name, where in _mentioned().items()
               if name not in known and not any(k.startswith(name + "_") for k in known)}  # prefixes, e.g. KGMATCH_MAX
    assert missing == {}, "add these to graph/environment.py ENVIRONMENT (and README): " + repr(missing)


def test_the_table_has_unique_names_and_help():
    assert len({v.name for v in ENVIRONMENT}) == len(ENVIRONMENT)
    assert all(v.help and v.used_by for v in ENVIRONMENT)


def test_app_settings_take_default_and_help_from_the_table():
    for setting in APP_SETTINGS:
        row = variable(setting.env)
        assert (setting.default, setting.help) == (row.default, row.help), setting.name


def test_readme_shows_the_one_table():
    assert settings_markdown() == environment_markdown()
    assert environment_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("package", [p for p in PACKAGES if (ROOT / p).is_dir()])
def test_only_graph_environment_reads_kgmatch_variables_from_os_environ(package):
    """Modules read ``KGMATCH_*`` through :func:`graph.environment.env_value` (or the app's settings)."""
    pattern = re.compile(r"(environ(\.get)?\s*[\[(]|getenv\s*\()\s*[\"']KGMATCH_")
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py")
                 if p.name != "environment.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_env_value_reads_the_environment_then_the_default(monkeypatch):
    monkeypatch.setenv("KGMATCH_NEO4J_DATABASE", "other")
    monkeypatch.delenv("KGMATCH_NEO4J_USER", raising=False)
    assert env_value("KGMATCH_NEO4J_DATABASE") == "other"
    assert env_value("KGMATCH_NEO4J_USER") == "neo4j"
    with pytest.raises(KeyError):
        env_value("KGMATCH_" + "UNKNOWN")  # split so the completeness test above does not see it
