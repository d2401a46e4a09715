"""Paperboy as it is installed and run from outside: a wheel built from the tree builds the demo
site in a fresh virtualenv (the templates and assets of site/ travel inside it), and build.py
is the same builder as `paperboy build`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from helpers import DEMO, run

ROOT = Path(__file__).resolve().parent.parent


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.md")}


def test_build_py_is_paperboy_build(tmp_path):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    by_verb = run(data, "build", "--out", str(tmp_path / "a"), "--no-pagefind", "--quiet")
    assert by_verb.returncode == 0, by_verb.stderr
    script = [sys.executable, str(ROOT / "build.py"), "--data", str(data)]
    by_script = subprocess.run(
        [*script, "--out", str(tmp_path / "b"), "--no-pagefind", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert by_script.returncode == 0, by_script.stderr
    assert _files(tmp_path / "a") == _files(tmp_path / "b") != {}
    helped = subprocess.run([*script, "--help"], capture_output=True, text=True, timeout=60)
    assert "--no-pagefind" in helped.stdout and "--topic" in helped.stdout  # one set of options


def test_a_wheel_installed_in_a_fresh_venv_builds_the_demo_site(tmp_path):
    # built from a copy of what the wheel is made of: setuptools writes build/ beside its input
    tree, wheels = tmp_path / "tree", tmp_path / "wheels"
    for part in ("server", "site"):
        shutil.copytree(ROOT / part, tree / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, tree / part)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(wheels), str(tree)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("paperboy-*.whl")
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=300)
    python = fresh / "bin" / "python"
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    # The dependencies come from this venv (the machine may be offline); Paperboy itself only
    # from the wheel: this venv's editable install is not on the fresh one's path.
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [python, "-c", "import server; print(server.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout
    assert where.startswith(site), where
    env = {**os.environ, "PAPERBOY_DATA": str(tmp_path / "data")}
    demo = subprocess.run(
        [fresh / "bin" / "paperboy", "demo", "--no-serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    page = (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    assert "assets/style.css" in page and (tmp_path / "_site" / "assets" / "style.css").is_file()
    assert (tmp_path / "_site" / "day" / "2024-08-05.html").is_file()
