"""The one table of settings: name, default and help; paperboy.toml and PAPERBOY_* override it."""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default value and a line of help."""

    name: str
    default: object
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data", "data", "data directory: papers.sqlite3, index/, raw pages"),
    Setting("site_dir", "_site", "where the static archive site is written"),
    Setting("host", "127.0.0.1", "address `paperboy serve` binds (loopback unless you allow more)"),
    Setting("port", 8765, "port `paperboy serve` listens on"),
    Setting("threads", 8, "worker threads of the API server"),
    Setting("max_connections", 2000, "open connections `paperboy serve` accepts at once"),
    Setting("idle_timeout", 30, "seconds a connection with no request in progress may stay idle"),
    Setting("site_origin", "", "an origin (e.g. https://me.github.io) the API grants CORS to"),
    Setting("max_body_bytes", 10_000_000, "largest request body the API accepts (413 above)"),
    Setting("parse_slots", 2, "worker processes that parse the API's pages (parse, ingest)"),
    Setting("parse_wait", 10.0, "seconds a page waits for a free parse worker before a 503"),
    Setting("index_engine", "whoosh", "search engine: whoosh, or tantivy (paperboy[tantivy])"),
    Setting(
        "query_budget",
        10.0,
        "seconds a search, similar or trending request may compute (503 'query too broad')",
    ),
    # the archive site
    Setting("base_url", "", "public URL the archive site is served from (feeds, sitemap)"),
    Setting("topics", {}, "saved searches: topic page name -> query (a [topics] table in TOML)"),
    # live scraping
    Setting("contact", "", "your e-mail, sent in the crawler's User-Agent so sites can reach you"),
    Setting("hf_url", "https://huggingface.co", "Hugging Face base URL"),
    Setting("arxiv_url", "https://arxiv.org", "arXiv base URL (listings, abstract pages)"),
    Setting("arxiv_api_url", "https://export.arxiv.org/api/query", "arXiv Atom API URL"),
    Setting("delay_arxiv", 3.0, "seconds between requests to an arXiv host (its terms of use)"),
    Setting("delay_hf", 1.0, "seconds between requests to a Hugging Face host"),
    Setting("delay_other", 2.0, "seconds between requests to any other host"),
    Setting("fetch_timeout", 30.0, "seconds one request may take"),
    Setting("fetch_budget", 300.0, "seconds all retries of one URL may take together"),
    Setting("max_page_bytes", 8_000_000, "largest page the crawler reads"),
    Setting("sources", ["hf", "arxiv"], "what `paperboy update` scrapes: hf, arxiv"),
    Setting("categories", ["cs.LG", "cs.CL"], "arXiv categories `paperboy update` follows"),
    Setting("repoll_days", 7, "days `paperboy update` re-polls for upvote drift"),
    Setting(
        "hub_papers",
        50,
        "papers whose Hugging Face Hub artifacts one scrape, update or enrich refreshes (0: none)",
    ),
    Setting(
        "thumbnails",
        False,
        "download each new paper's thumbnail into the data folder (the site and popup show it)",
    ),
    # the e-mail digest
    Setting("public_url", "http://127.0.0.1:8765", "URL subscribers reach the server at (links)"),
    Setting("smtp_host", "127.0.0.1", "SMTP server host"),
    Setting("smtp_port", 25, "SMTP server port"),
    Setting("smtp_security", "none", "none, starttls or ssl"),
    Setting("smtp_user", "", "SMTP user name (empty: no login)"),
    Setting("smtp_password", "", "SMTP password"),
    Setting(
        "smtp_ca_file",
        "",
        "PEM file of the certificate (or CA) to trust for the SMTP server (empty: the system's)",
    ),
    Setting("mail_from", "Paperboy <paperboy@localhost>", "the digest's From address"),
    Setting("digest_size", 10, "top papers per digest"),
    Setting(
        "owner_email",
        "",
        "your own address: your digest gets a For you section from your saved papers",
    ),
)
_BY_NAME = {s.name: s for s in SETTINGS}
SECRET_SETTINGS = frozenset({"smtp_password"})  # shown masked by `paperboy config`


class ConfigError(Exception):
    """A configuration file or variable that cannot be used."""


@dataclass
class Config:
    """Effective settings, and where each value came from."""

    values: dict[str, object]
    sources: dict[str, str]

    def __getitem__(self, name: str) -> object:
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        """The data directory as a Path."""
        return Path(str(self.values["data"])).expanduser()


def _coerce(setting: Setting, value: object, origin: str) -> object:
    kind = type(setting.default)
    if isinstance(value, kind) or setting.default is None:
        return value
    try:
        if kind is list and isinstance(value, str):  # PAPERBOY_CATEGORIES=cs.LG,cs.CL
            return [v.strip() for v in value.split(",") if v.strip()]
        if kind is dict and isinstance(value, str):  # PAPERBOY_TOPICS='{"agents": "agent*"}'
            return dict(json.loads(value))
        if kind is bool and isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return kind(value)
    except (TypeError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        raise ConfigError(f"{origin}: {setting.name} must be {kind.__name__}: {exc}") from None


def _read_toml(path: Path) -> tuple[dict[str, object], dict[str, str]]:
    """The settings of a paperboy.toml, and for each a name for errors: "FILE, line N"."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: not UTF-8 text (byte {exc.start}): TOML files are UTF-8"
        ) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        said = str(exc)
        at = re.search(r" \(at line (\d+), column \d+\)$", said)
        end = " (at end of document)"
        line = int(at[1]) if at else len(text.splitlines()) or 1  # or the end: the last line
        what = said[: at.start()] if at else said.removesuffix(end) + " at the end of the file"
        raise ConfigError(f"{path}, line {line}: {what}") from None
    lines = text.splitlines()
    where = {}
    for name in table:
        key = re.compile(rf"""^\s*(\[\s*)?(["']?){re.escape(name)}\2\s*[=\].]""")
        found = next((n for n, line in enumerate(lines, 1) if key.match(line)), None)
        where[name] = f"{path}, line {found}" if found else str(path)
    return table, where


def load(
    overrides: dict[str, object] | None = None,
    toml_path: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Config:
    """Defaults, then paperboy.toml, then PAPERBOY_* variables, then explicit overrides."""
    env = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    sources = {s.name: "default" for s in SETTINGS}
    named = toml_path or env.get("PAPERBOY_CONFIG")  # a file the user named must exist
    path = Path(named) if named else Path("paperboy.toml")
    if named and not path.exists():
        raise ConfigError(f"{path}: no such configuration file")
    if path.exists() and not path.is_file():  # a folder is not read as no settings
        raise ConfigError(f"{path}: cannot read the configuration: it is not a file")
    layers: list[tuple[str, dict[str, object]]] = []
    lines: dict[str, str] = {}  # where each setting of the file is, for its errors
    if path.exists():
        table, lines = _read_toml(path)
        layers.append((str(path), table))
    layers.append(
        (
            "environment",
            {
                s.name: env[f"PAPERBOY_{s.name.upper()}"]
                for s in SETTINGS
                if f"PAPERBOY_{s.name.upper()}" in env
            },
        )
    )
    layers.append(("command line", {k: v for k, v in (overrides or {}).items() if v is not None}))
    for origin, layer in layers:
        for name, value in layer.items():
            at = lines.get(name, origin) if origin == str(path) else origin
            if name not in _BY_NAME:
                raise ConfigError(f"{at}: unknown setting {name!r}")
            values[name] = _coerce(_BY_NAME[name], value, at)
            sources[name] = origin
            _check_choice(name, values[name], at)
            _check_range(name, values[name], at)
    return Config(values, sources)


CHOICES = {"index_engine": ("whoosh", "tantivy")}
RANGES = {
    "hub_papers": (0, 10_000),
    "port": (1, 65535),
    "smtp_port": (1, 65535),
    "threads": (1, 256),
    "max_connections": (1, 100_000),
    "idle_timeout": (1, 86_400),
    "query_budget": (0.001, 3600.0),  # seconds; a budget of 0 would refuse every search
}


def _check_choice(name: str, value: object, origin: str) -> None:
    if name in CHOICES and value not in CHOICES[name]:
        allowed = ", ".join(CHOICES[name])
        raise ConfigError(f"{origin}: {name} must be one of {allowed}, not {value!r}")


def _check_range(name: str, value: object, origin: str) -> None:
    if name in RANGES and not RANGES[name][0] <= value <= RANGES[name][1]:
        low, high = RANGES[name]
        raise ConfigError(f"{origin}: {name} must be from {low} to {high}, not {value!r}")
