"""Issue 17: ``kgmatch stats`` imports only what it needs (the other commands load on use)."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from api.cli import LAZY_COMMANDS, main

HEAVY = ("bm25s", "scipy", "flask", "openpyxl", "recommend.engine", "ingest.importers", "analytics.reports",
         "api.cli.workflow", "api.cli.serve", "api.cli.recommend", "api.cli.data")


def test_stats_imports_none_of_the_other_commands_dependencies(tmp_path):
    probe = ("import json, sys\nfrom api.cli import main\n"
             "try:\n    main(['--data-dir', sys.argv[1], 'stats', '--json'])\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "store")], capture_output=True, text=True,
                         check=True)
    counts, loaded = out.stdout.strip().splitlines()
    assert "nodes" in json.loads(counts)
    assert [m for m in HEAVY if m in json.loads(loaded)] == []


def test_every_lazy_command_resolves_to_a_click_command_of_that_name():
    ctx = click.Context(main)
    names = main.list_commands(ctx)
    assert names[:3] == ["init", "load", "stats"] and set(LAZY_COMMANDS) <= set(names)
    for name in LAZY_COMMANDS:
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name, name
    from api.cli.workflow import WORKFLOW_COMMANDS
    assert {c.name for c in WORKFLOW_COMMANDS} <= set(LAZY_COMMANDS)
