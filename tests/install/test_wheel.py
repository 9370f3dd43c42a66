"""The product installs from its wheel and runs outside the source tree: nothing it needs is left behind.

Builds the wheel from this checkout and installs it as the README tells a bank to: into a fresh virtualenv in a
temporary folder, its dependencies from the lock file (exact versions, checked by their hashes), the wheel
without dependencies. Then, from an empty working folder, creates the database, deploys the shipped processes
and serves the app with gunicorn.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*command, cwd: Path, env: dict | None = None, timeout: int = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    if not (ROOT / "web" / "static" / "build").is_dir():
        pytest.fail("the studio's scripts are not built: run `make frontend` (make test does) first")
    work = tmp_path_factory.mktemp("install")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "-w",
        str(work / "dist"),
        str(ROOT),
        cwd=work,
    )
    [wheel] = (work / "dist").glob("complaints-*.whl")
    run(sys.executable, "-m", "venv", str(work / "venv"), cwd=work)
    pip = str(work / "venv" / "bin" / "pip")
    run(pip, "install", "--quiet", "--require-hashes", "-r", str(ROOT / "requirements.lock"), cwd=work)
    run(pip, "install", "--quiet", "--no-deps", str(wheel), cwd=work)
    return work


def test_the_lock_file_pins_every_dependency_within_what_the_project_asks_for():
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["redis"]]]
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            pinned[name.lower().replace("_", "-")] = version
    for requirement in wanted:
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock: run `make lock`"
        assert requirement.specifier.contains(pinned[name]), (
            f"{name}=={pinned[name]} is outside {requirement}"
        )


def test_the_wheel_holds_every_package_and_data_file_the_app_reads(installed):
    import zipfile

    [wheel] = (installed / "dist").glob("complaints-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "app.py",
        "web/agent/routes.py",
        "web/api/openapi.py",
        "web/admin/routes.py",
        "web/auditor/routes.py",
        "web/public/routes.py",
        "web/signin/routes.py",
        "web/supervisor/routes.py",
        "web/owner/routes.py",
        "web/templates/base.html",
        "web/static/app.css",
        "web/static/build/studio-editor.js",
        "web/translations/zh_CN/common.po",
        "engine/store/alembic/env.py",
        "engine/store/alembic/versions/0001_initial_schema.py",
        "processes/complaint.bpmn",
        "processes/forms/direction.schema.json",
        "processes/knowledge_base.toml",
    ):
        assert expected in names, f"{expected} is missing from the wheel"
    assert not [n for n in names if n.startswith("tests/")]


def test_the_installed_app_creates_its_database_deploys_and_serves_outside_the_checkout(installed):
    venv, here = installed / "venv", installed / "elsewhere"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL", "VIRTUAL_ENV")}
    env.update(
        DATABASE_URL=f"sqlite:///{here / 'complaints.db'}", SECRET_KEY="install-test", PATH=f"{venv}/bin"
    )
    where = run(
        str(venv / "bin" / "python"),
        "-c",
        "import engine, web, app; print(engine.__file__)",
        cwd=here,
        env=env,
    )
    assert where.strip().startswith(str(venv)), f"imported from the checkout, not the install: {where}"

    flask = (str(venv / "bin" / "flask"), "--app", "app")
    run(*flask, "init-db", cwd=here, env=env)
    deployed = run(*flask, "deploy", cwd=here, env=env)  # no path: the processes installed with the package
    assert "deployed complaint v1" in deployed

    port = free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=here,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status = get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer within a minute"
                time.sleep(0.3)
        assert status == 200
        assert get(f"{base}/") == 200
        assert get(f"{base}/api/v1/openapi.json") == 200
        assert get(f"{base}/static/build/studio-editor.js") == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
