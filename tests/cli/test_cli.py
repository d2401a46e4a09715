"""The `paperboy` command, run as a user runs it: a real process on a real store."""

import json
import os
import socket
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest
from helpers import DEMO, EXE, answer_then_stop, free_port, run, wait_for_json


def test_import_demo_then_again_is_nothing_new(tmp_path):
    first = run(tmp_path / "data", "import", str(DEMO))
    assert first.returncode == 0, first.stderr
    assert "0 inputs failed" in first.stdout and "papers new" in first.stdout
    stats = json.loads(run(tmp_path / "data", "stats", "--json").stdout)
    assert stats["papers"] >= 8 and stats["lists"]["hf-daily"]["days"] == 2
    again = run(tmp_path / "data", "import", str(DEMO))
    assert again.returncode == 1
    assert " 0 papers new, 0 updated, 0 appearances new, 0 observations new" in again.stdout
    assert json.loads(run(tmp_path / "data", "stats", "--json").stdout) == stats


def test_data_dir_is_user_only(tmp_path):
    run(tmp_path / "data", "import", str(DEMO / "hf-api-2024-08-05.json"))
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0


def bad_inputs(tmp: Path) -> dict[str, Path]:
    page = (DEMO / "hf-daily-2024-08-02.html").read_bytes()
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "truncated": page[: len(page) // 3],
        "unknown": b"<html><body><h1>Recipes</h1><p>Garlic bread.</p></body></html>",
        "wrong-shape": b'{"papers": "none", "count": 3}',
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp / f"{name}.html"
        paths[name].write_bytes(data)
    unreadable = tmp / "unreadable.html"
    unreadable.write_bytes(page)
    unreadable.chmod(0)
    paths["unreadable"] = unreadable
    return paths


def test_bad_inputs_get_one_line_errors_and_lose_nothing(tmp_path):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    before = run(data, "export", "--format", "jsonl").stdout
    inputs = bad_inputs(tmp_path)
    result = run(data, "import", *map(str, inputs.values()), str(tmp_path / "missing.html"))
    assert result.returncode == 4
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("paperboy: error:")]
    for name in ("empty", "binary", "unknown", "wrong-shape", "missing"):
        assert any(f"{name}.html:" in line for line in errors), (name, result.stderr)
    if os.geteuid() != 0:  # root reads any file
        assert any("unreadable.html: cannot read" in line for line in errors)
    assert run(data, "export", "--format", "jsonl").stdout == before


def test_show_papers_and_exports(tmp_path):
    data = tmp_path / "data"
    run(data, "import", str(DEMO))
    shown = run(data, "show", "https://arxiv.org/abs/2408.90001v1")
    assert shown.returncode == 0
    assert "Sparse Lattice Transformers for Long-Context Reasoning" in shown.stdout
    assert "HF daily #1 \u00b7 2024-08-02" in shown.stdout
    assert "Sparse Lattice" in run(data, "papers", "--limit", "50").stdout
    missing = run(data, "show", "2401.99999")
    assert missing.returncode == 1 and "no such paper" in missing.stderr
    lines = run(data, "export").stdout.splitlines()
    record = next(json.loads(x) for x in lines if json.loads(x)["id"] == "2408.90001")
    assert record["authors"] == ["Ada Moreau", "Kenji Ito", "Priya Raman"]
    assert {a["list"] for a in record["appearances"]} >= {"hf-daily", "arxiv-new"}
    out = tmp_path / "all.json"
    run(data, "export", "--format", "json", "--out", str(out))
    assert len(json.loads(out.read_text())) == len(lines)
    bib = run(data, "export", "--format", "bibtex").stdout
    assert "@misc{moreau2024sparse," in bib and "eprint = {2408.90001}" in bib


@pytest.mark.parametrize("args", [["import"], ["nope"], ["export", "--format", "xml"]])
def test_usage_errors_exit_2(tmp_path, args):
    result = run(tmp_path / "data", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_demo_is_the_main_job(tmp_path):
    result = run(tmp_path / "data", "demo", "--no-serve", cwd=tmp_path)  # its _site goes there
    assert result.returncode == 0, result.stderr
    assert "papers:" in result.stdout and "0 inputs failed" in result.stdout
    assert "index: search index was missing: rebuilt with 8 papers" in result.stdout


def test_demo_ends_serving_the_archive(tmp_path):
    port = free_port()
    env = {**os.environ, "PAPERBOY_DATA": str(tmp_path / "data"), "PAPERBOY_PORT": str(port)}
    url = f"http://127.0.0.1:{port}/api/search?q=lattice"
    body, out, _ = answer_then_stop([EXE, "demo"], url, env=env, cwd=tmp_path)
    assert body["data"]["hits"][0]["id"] == "2408.90001"
    assert "Next:" in out


def test_an_existing_data_dir_is_made_user_only(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    assert run(data, "import", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "papers.sqlite3").stat().st_mode & 0o777 == 0o600


def test_stored_control_characters_never_reach_the_terminal(tmp_path):
    # however they got into the store (an old store, another tool), the CLI shows them as U+FFFD
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO)).returncode == 0
    hostile = "\x1b[2J\x1b]8;;https://evil.example\x1b\\Evil\x1b]8;;\x1b\\ \x9b31m \u202eRotor\x07"
    db = sqlite3.connect(data / "papers.sqlite3")
    with db:
        db.execute(
            "UPDATE papers SET title = ?, authors = ?, abstract = ?, changed_at = ? "
            "WHERE id = '2408.90001'",
            (
                "Lattice " + hostile,
                json.dumps(["Ada " + hostile]),
                "Lattice gauge " + hostile,
                "9999-12-31T00:00:00",
            ),
        )
    db.close()
    outputs = {
        "show": run(data, "show", "2408.90001"),
        "papers": run(data, "papers", "--limit", "100"),
        "search": run(data, "search", "lattice"),
    }
    for verb, result in outputs.items():
        assert result.returncode == 0, (verb, result.stderr)
        shown = result.stdout + result.stderr
        assert "Rotor" in shown, verb  # the paper is shown...
        for char in ("\x1b", "\x9b", "\x07", "\u202e"):
            assert char not in shown, (verb, repr(char))  # ...but none of its controls


def test_a_config_file_that_does_not_exist_is_a_usage_error(tmp_path):
    result = run(tmp_path / "data", "--config", str(tmp_path / "typo.toml"), "stats")
    assert result.returncode == 2, result.stdout
    assert f"{tmp_path / 'typo.toml'}: no such configuration file" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        (b'port = 8765\nsources = ["hf",\n', 2, "Invalid value at the end of the file"),
        (b"port = 8765\n\ncategories = [cs.LG]\n", 3, "Invalid value"),
        (b"[topics\n", 1, "Expected ']'"),
        (b"port = 8765\nport = 8766\n", 2, "Cannot overwrite a value"),
        (b'# mine\nhost = "caf\xe9"\n', 2, "not UTF-8 text"),  # Latin-1, as an old editor saves
        (b"port = 8765\n\n  nonsense = 3\n", 3, "unknown setting 'nonsense'"),
        (b'port = 8765\n"threads" = "many"\n', 2, "threads must be int"),
        (b'sources = ["hf"]\nport = 99999\n', 2, "port must be from 1 to 65535, not 99999"),
        (b'\nindex_engine = "lucene"\n', 2, "index_engine must be one of whoosh, tantivy"),
    ],
    ids=["unclosed", "bare", "table", "twice", "latin-1", "unknown", "type", "range", "choice"],
)
def test_an_invalid_config_file_is_exit_2_with_the_file_and_the_line(tmp_path, text, line, says):
    config = tmp_path / "paperboy.toml"
    config.write_bytes(text)
    for how in ("default", "named"):  # found in the current folder, or named with --config
        named = ["--config", str(config)] if how == "named" else []
        result = run(tmp_path / "data", *named, "stats", cwd=tmp_path)
        assert result.returncode == 2, (how, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        [message] = result.stderr.splitlines()
        name = str(config) if how == "named" else "paperboy.toml"
        assert message.startswith(f"paperboy: error: {name}, line {line}: "), (how, message)
        assert says in message, (how, message)


def test_an_unreadable_config_file_is_exit_2_with_the_file(tmp_path):
    """Root reads a file of any mode: a folder in the file's place cannot be read by anyone
    (once, the default paperboy.toml as a folder was taken for no settings at all)."""
    config = tmp_path / "paperboy.toml"
    config.mkdir()
    for named in ([], ["--config", str(config)]):
        result = run(tmp_path / "data", *named, "stats", cwd=tmp_path)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "cannot read the configuration: it is not a file" in result.stderr
        assert (str(config) if named else "paperboy.toml: ") in result.stderr
    if os.geteuid() != 0:
        config.rmdir()
        config.write_text("port = 8765\n")
        config.chmod(0)
        result = run(tmp_path / "data", "--config", str(config), "stats")
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"{config}: cannot read the configuration: Permission denied" in result.stderr


@pytest.mark.parametrize(
    "verb", [["stats"], ["papers"], ["show", "2408.90001"], ["search", "lattice"], ["build"]]
)
def test_a_reading_verb_refuses_a_folder_without_a_store(tmp_path, verb):
    typo = tmp_path / "dta"
    result = run(typo, *verb)
    assert result.returncode == 5, (verb, result.stdout)
    assert f"{typo} holds no Paperboy store" in result.stderr
    assert "paperboy import" in result.stderr  # and says how to make one
    assert not typo.exists()  # nothing was made there


def test_serve_refuses_a_folder_without_a_store(tmp_path):
    result = run(tmp_path / "dta", "serve", "--port", str(free_port()))
    assert result.returncode == 5 and "holds no Paperboy store" in result.stderr


def test_serve_serves_the_site_its_data_folder_built_wherever_it_runs(tmp_path):
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run(data, "import", str(DEMO)).returncode == 0
    built = run(data, "build", "--no-pagefind", "--quiet", cwd=tmp_path)  # into tmp_path/_site
    assert built.returncode == 0, built.stderr
    port = free_port()
    env = {**os.environ, "PAPERBOY_DATA": str(data)}
    command = [EXE, "serve", "--port", str(port)]
    with subprocess.Popen(
        command, cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        try:
            wait_for_json(f"http://127.0.0.1:{port}/api/health")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/paper/2408.90001") as page:
                html = page.read().decode()  # without .html: the paper's page all the same
        finally:
            proc.terminate()
            out, _ = proc.communicate(timeout=10)
    assert "Sparse Lattice" in html or "2408.90001" in html
    assert f"from {tmp_path / '_site'}" in out.decode()  # it says which folder it serves


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path):
    data = tmp_path / "data"
    assert run(data, "import", str(DEMO / "hf-api-2024-08-05.json")).returncode == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(data, "serve", "--port", str(port))
    assert result.returncode == 2, result.stdout
    assert (
        "Traceback" not in result.stderr and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    )
    assert "API at" not in result.stdout  # no success line before the failure


def test_show_gives_links_trend_similar_and_short_authors_and_bibtex(tmp_path, corpus):
    """Issue 18, part 6, on the real HF day page of Llama 3 (533 authors, 94 upvotes)."""
    data = tmp_path / "data"
    run(data, "import", "-q", str(corpus / "hf/daily/2024-08-01_slbqc-dailay_paper_info.html"))
    shown = run(data, "show", "https://huggingface.co/papers/2407.21783")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "The Llama 3 Herd of Models"
    authors = " ".join(lines[1 : lines.index("")])  # wrapped over several lines
    assert authors.startswith("Abhimanyu Dubey, Abhinav Jauhri, ")
    assert authors.endswith(" +523 more")
    assert authors.count(",") == 9  # ten names, then how many more
    assert all(len(line) <= 100 for line in lines[1 : lines.index("")])
    for link in (
        "https://arxiv.org/abs/2407.21783",
        "https://arxiv.org/pdf/2407.21783",
        "https://huggingface.co/papers/2407.21783",
    ):
        assert link in shown.stdout
    assert "HF daily #1 \u00b7 2024-08-01 \u00b7 94\u25b2" in shown.stdout  # the trend line
    similar = lines[lines.index("Similar papers") + 1 :]
    others = {p.split()[0] for p in run(data, "papers", "--limit", "50").stdout.splitlines()}
    listed = [line.split()[0] for line in similar if line.startswith("  ")]
    assert listed and set(listed) <= others - {"2407.21783"}
    bibtex = run(data, "show", "2407.21783", "--bibtex")
    assert bibtex.returncode == 0 and bibtex.stdout.startswith("@misc{")
    assert bibtex.stdout in run(data, "export", "--format", "bibtex").stdout
    assert "Llama 3 Herd" in bibtex.stdout and "Links" not in bibtex.stdout
