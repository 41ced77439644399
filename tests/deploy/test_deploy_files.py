"""The files an operator deploys with, checked by reading them (docker does not run here):
the image installs the locked versions, and Compose keeps the webhook port and the command
line's files where the README says."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[2]


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_the_lock_file_pins_every_dependency_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = locked()
    for text in wanted:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is missing from requirements.lock; run `make lock`"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} vs {text}"


def test_the_image_installs_under_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^COPY requirements\.lock ", dockerfile, re.MULTILINE)
    assert "RUN PIP_CONSTRAINT=requirements.lock pip install ." in dockerfile


def test_compose_binds_the_loopback_and_mounts_the_files_folder() -> None:
    bot = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["bot"]
    assert bot["ports"] == ["127.0.0.1:8080:8080"]
    assert "./files:/home/linli/files" in bot["volumes"]
    readme = (ROOT / "README.md").read_text()
    assert "docker compose run --rm bot linli" in readme
    assert "files/" in readme
