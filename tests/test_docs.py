"""The manual in docs/ documents every command, setting, page kind, exit code and API route;
README is a front door that opens with set-up; every link between them leads somewhere."""

import re
from pathlib import Path

from server import cli, sources
from server.cli import context
from server.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PAGES = {path: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
DOCS = "\n".join(PAGES.values())


def test_readme_opens_with_the_two_setup_commands():
    first_block = README.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


def test_readme_is_a_front_door():
    assert len(README.splitlines()) <= 200
    for page in PAGES:
        assert f"docs/{page.name}" in README, f"README does not lead to docs/{page.name}"


def test_every_command_is_documented():
    def verbs(group, prefix="paperboy"):
        for name, command in group.commands.items():
            # `paperboy scrape URL...` is the url verb, implied: documented under that form
            yield f"{prefix} {name}" if name != "url" else f"{prefix} URL"
            yield from verbs(command, f"{prefix} {name}") if hasattr(command, "commands") else ()

    for verb in verbs(cli.main):
        assert f"`{verb}" in DOCS, verb


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert re.search(rf"^\| `{setting.name}` \|", DOCS, re.M), setting.name


def test_every_page_kind_is_documented():
    for module in sources.PARSERS:
        assert f"| `{module.KIND}` |" in DOCS, module.KIND


def test_every_exit_code_is_documented():
    codes = {name: value for name, value in vars(context).items() if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes), codes  # each code means one thing
    for name, code in codes.items():
        assert re.search(rf"^\| {code} \|", DOCS, re.M), name


def test_every_api_route_is_documented(tmp_path):
    from server.api import create_app

    app = create_app({"data": str(tmp_path)})
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<path:ref>", "<id>")
            methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
            for method in methods:
                assert f"`{method} {path}" in DOCS, f"{method} {path}"


def _anchors(text: str) -> set[str]:
    """GitHub's anchors for a page's headings."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_every_link_between_the_pages_leads_somewhere():
    pages = {ROOT / "README.md": README, **PAGES}
    for path, text in pages.items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # outside links
            file, _, anchor = target.partition("#")
            where = (path.parent / file).resolve() if file else path
            assert where.exists(), f"{path.name}: {target}"
            if anchor and where.suffix == ".md":
                assert anchor in _anchors(where.read_text(encoding="utf-8")), (
                    f"{path.name}: {target}"
                )


def test_examples_use_paths_a_user_has():
    for path, text in {ROOT / "README.md": README, **PAGES}.items():
        for block in text.split("```")[1::2]:
            assert "../shared" not in block, f"{path.name}: an example names ../shared"
