"""The Dockerfile, .dockerignore and .env.example checked against pyproject.toml,
bot.config.Settings and the settings tables (no Docker engine needed)."""

from __future__ import annotations

import importlib
import json
import re
import shlex
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from dotenv import dotenv_values
from packaging.specifiers import SpecifierSet

from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
DESIGN = REPO.parent / "shared" / "DESIGN.md"
TOKEN_SHAPE = re.compile(r"\d{8,10}:[A-Za-z0-9_-]{35}")
SETTING_NAMES = {name.upper() for name in Settings.model_fields}


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", (REPO / "Dockerfile").read_text(encoding="utf-8"))
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def arguments(name: str) -> list[str]:
    return [args for keyword, args in instructions() if keyword == name]


def exec_form(args: str) -> list[str]:
    return json.loads(args) if args.startswith("[") else shlex.split(args)


# --- Dockerfile ------------------------------------------------------------------------------


def test_the_image_runs_the_console_script_from_pyproject():
    scripts = pyproject()["project"]["scripts"]
    (entrypoint,) = arguments("ENTRYPOINT") or [None]
    (cmd,) = arguments("CMD")
    argv = [*(exec_form(entrypoint) if entrypoint else []), *exec_form(cmd)]
    assert argv == [argv[0], "run"], argv
    assert argv[0] in scripts, f"{argv[0]} is not a [project.scripts] entry: {sorted(scripts)}"
    module, _, function = scripts[argv[0]].partition(":")
    assert callable(getattr(importlib.import_module(module), function))
    # Exec form: the bot is PID 1 and receives `docker stop`'s SIGTERM itself.
    assert (entrypoint or cmd).startswith("[")


def test_the_image_installs_the_package_from_pyproject_only():
    runs = arguments("RUN")
    installs = [run for run in runs if "pip install" in run]
    assert installs, runs
    assert any(re.search(r"pip install --no-cache-dir \.(\s|$)", run) for run in installs)
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "requirements" not in dockerfile

    copied = " ".join(arguments("COPY"))
    for needed in ("pyproject.toml", "README.md"):  # README.md is the package's readme
        assert needed in copied
    # Every package setuptools finds must be in the build context that pip sees.
    for pattern in pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"(^|\s){package}/?(\s|$)", copied), f"{package}/ is not copied"


def test_the_python_in_the_image_satisfies_requires_python():
    (base,) = arguments("FROM")
    match = re.match(r"python:(\d+\.\d+)", base)
    assert match, base
    requires = SpecifierSet(pyproject()["project"]["requires-python"])
    assert f"{match.group(1)}.0" in requires, (base, str(requires))


def test_the_image_runs_as_a_non_root_user_with_data_in_a_volume():
    users = arguments("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any("/data" in exec_form(volume) for volume in arguments("VOLUME"))
    env = " ".join(arguments("ENV"))
    assert re.search(r"DATABASE_PATH=/data/\S+\.db", env), env


def healthcheck_command() -> str:
    (check,) = arguments("HEALTHCHECK")
    _, _, command = check.partition("CMD ")
    assert command, check
    return command


@pytest.mark.parametrize("migrated", [True, False])
def test_the_healthcheck_passes_on_a_migrated_database_only(tmp_path, migrated):
    database = tmp_path / "digest-bot.db"
    with sqlite3.connect(database) as db:
        db.execute(f"PRAGMA user_version = {1 if migrated else 0}")
    env = {"DATABASE_PATH": str(database), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run(
        ["/bin/sh", "-c", healthcheck_command()], env=env, capture_output=True, timeout=30
    )
    assert (result.returncode == 0) is migrated, result.stderr


def test_the_healthcheck_fails_without_a_database(tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "none.db"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run(
        ["/bin/sh", "-c", healthcheck_command()], env=env, capture_output=True, timeout=30
    )
    assert result.returncode != 0
    assert not (tmp_path / "none.db").exists()  # read-only: the check creates nothing


def test_compose_keeps_the_database_on_a_volume_and_restarts():
    import yaml

    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    # A missing token exits 2: on-failure with a limit stops retrying it (issue 21);
    # unless-stopped restarted it forever.
    assert service["restart"] == "on-failure:5"
    assert service["env_file"] == ".env"
    (volume,) = service["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/data" and name in compose["volumes"]
    assert "DATABASE_PATH=/data/digest-bot.db" in (REPO / "Dockerfile").read_text()


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = {
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git", "data"} <= ignored
    for copied in ("pyproject.toml", "README.md", "bot", "storage"):
        assert copied not in ignored


# --- .env.example ----------------------------------------------------------------------------


def env_example() -> list[str]:
    return (REPO / ".env.example").read_text(encoding="utf-8").splitlines()


# Settings shown commented out (# NAME=default): set them and they override the image's.
COMMENTED_OUT = {"DATABASE_PATH"}


def test_env_example_names_every_setting_with_a_comment_above():
    lines = env_example()
    named = {}
    for number, line in enumerate(lines):
        commented = re.fullmatch(r"# ([A-Z_]+)=.*", line)
        if commented:
            assert commented.group(1) in COMMENTED_OUT, line
            named[commented.group(1)] = number
        elif line and not line.startswith("#"):
            name, sep, _ = line.partition("=")
            assert sep, f"line {number + 1} is not NAME=value: {line!r}"
            assert number > 0 and lines[number - 1].startswith("# "), f"{name} has no comment"
            named[name] = number
    assert set(named) == SETTING_NAMES


def test_env_example_shows_the_defaults():
    values = dotenv_values(REPO / ".env.example")
    from_file = Settings(_env_file=None, **{name.lower(): value for name, value in values.items()})
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        assert getattr(from_file, name) == default, name
        assert name.upper() in values or name.upper() in COMMENTED_OUT, name
    assert values["BOT_TOKEN"] == ""


def test_env_example_holds_no_token():
    text = "\n".join(env_example())
    assert not TOKEN_SHAPE.search(text)


# --- settings tables -------------------------------------------------------------------------


def table_names(markdown: str, heading: str) -> set[str]:
    """Backticked names in the first column of the first table after `heading`."""
    section = markdown[markdown.index(heading) :]
    names: set[str] = set()
    in_table = False
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            in_table = True
            names |= set(re.findall(r"`([A-Z_]+)`", line.split("|")[1]))
        elif in_table:
            break
    return names


def test_design_settings_are_all_settings_fields():
    if not DESIGN.is_file():
        pytest.skip("../shared/DESIGN.md is not here (a user's clone)")
    names = table_names(DESIGN.read_text(encoding="utf-8"), "contract: settings")
    assert names, "no settings table found in DESIGN.md"
    assert names <= SETTING_NAMES, names - SETTING_NAMES


def test_readme_settings_table_names_every_setting():
    names = table_names((REPO / "README.md").read_text(encoding="utf-8"), "## Settings")
    assert names == SETTING_NAMES
