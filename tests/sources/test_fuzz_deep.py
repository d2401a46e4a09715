"""Deep parser fuzzing: mutated real pages, random text and JSON, every 1 KB truncation, atheris.

Each input must end in a Listing or a ParseError, from every parser in server.sources.PARSERS.
PAPERBOY_FUZZ_EXAMPLES sets the examples per parser (default 6000 under CI=true, else 300).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import CORPUS, need
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server import sources
from server.models import Listing
from server.sources import ParseError
from sources.test_fuzz import parses_or_refuses

DEFAULT = "6000" if os.environ.get("CI") == "true" else "300"
EXAMPLES = int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", DEFAULT))
DEMO = Path(sources.__file__).resolve().parent.parent / "demo"
SEED_BYTES = 64 * 1024  # bulk dumps are cut to this before mutating, to keep examples quick
TOKENS = [
    "<",
    ">",
    "</",
    "/>",
    "<div>",
    "</div>",
    "<dl>",
    "</dt>",
    "<entry>",
    "</entry>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "&",
    "&#",
    "&#x110000;",
    "&amp",
    '"',
    "'",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "-1",
    "1e999",
    "\x00",
    "\ufffd",
    "\ud800",
    "\u202e",
    "\r\n",
    "arXiv:",
    "2408.",
    "v0",
    "<item>",
    '"paper":',
    '"id":',
    "<html>",
    "</html>",
]
URLS = [
    None,
    "https://huggingface.co/papers",
    "https://arxiv.org/list/cs.LG/new",
    "https://export.arxiv.org/api/query?search_query=x",
    "https://arxiv.org/abs/2408.90001",
    "https://example.org/paper",
    "file:///tmp/x.json",
]
HARNESS = (
    f"import sys; sys.path[:0] = [{str(Path(__file__).parents[2])!r}, "
    f"{str(Path(__file__).parents[1])!r}]; "
    "from sources.test_fuzz_deep import atheris_main; atheris_main()"
)
INPUTS: dict[str, int] = {}  # examples run per test, printed for the README


def corpus_pages() -> list[Path]:
    """The real saved pages (not the bulk dumps), when the corpus is there."""
    if not CORPUS.is_dir():
        return []
    suffixes = {".html", ".xml", ".json", ".txt"}
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and "bulk" not in p.parts and p.suffix in suffixes
    )


def bulk_samples() -> list[Path]:
    """A few files of each bulk dump (the only real OAI-PMH pages)."""
    if not (CORPUS / "bulk").is_dir():
        return []
    return [p for d in sorted((CORPUS / "bulk").iterdir()) for p in sorted(d.iterdir())[:3]]


def load_seeds() -> list[tuple[str, str | None, str]]:
    """(text, url, kind) of every seed page: the corpus, bulk samples and the demo pages."""
    seeds = []
    paths = corpus_pages() + bulk_samples() + sorted(DEMO.iterdir())
    for path in paths:
        text, url = sources.unwrap(sources.decode(path.read_bytes()[:SEED_BYTES]), None)
        try:
            kind = sources.detect(text, url).KIND
        except ParseError:
            kind = "none"
        seeds.append((text, url, kind))
    return seeds


SEEDS = load_seeds()


@st.composite
def mutated(draw, kind: str):
    """A real page (of the parser's own kind half the time), mutated one to four times."""
    own = [s for s in SEEDS if s[2] == kind]
    text, url, _ = draw(st.sampled_from(own if own and draw(st.booleans()) else SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        text = draw(mutation(text))
    return text, draw(st.sampled_from([url, *URLS]))


@st.composite
def mutation(draw, text: str):
    """One edit: splice in another page, delete or duplicate a range, insert a token, cut."""
    n = len(text)
    i = draw(st.integers(0, n))
    j = draw(st.integers(i, min(n, i + draw(st.sampled_from([1, 16, 256, 4096])))))
    how = draw(st.sampled_from(["splice", "delete", "duplicate", "token", "cut", "digits"]))
    if how == "splice":
        other = draw(st.sampled_from(SEEDS))[0]
        k = draw(st.integers(0, len(other)))
        return text[:i] + other[k : k + draw(st.integers(0, 2048))] + text[j:]
    if how == "delete":
        return text[:i] + text[j:]
    if how == "duplicate":
        return text[:j] + text[i:j] * draw(st.integers(1, 50)) + text[j:]
    if how == "token":
        return text[:i] + "".join(draw(st.lists(st.sampled_from(TOKENS), max_size=5))) + text[i:]
    if how == "cut":
        return text[:i]
    return text[:i] + str(draw(st.integers(-(10**30), 10**30))) + text[i:]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
PAPER_KEYS = st.sampled_from(
    [
        "paper",
        "id",
        "title",
        "summary",
        "authors",
        "name",
        "upvotes",
        "publishedAt",
        "submittedOnDailyAt",
        "numComments",
        "data",
        "date",
    ]
)
shaped_json = st.recursive(
    st.none()
    | st.integers()
    | st.text(max_size=30)
    | st.sampled_from(["2408.90001", "2024-08-05"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(PAPER_KEYS, inner, max_size=6),
    max_leaves=40,
)


def random_inputs():
    """Random text, random JSON, and JSON shaped like the HF API."""
    return st.one_of(
        st.text(max_size=2000),
        st.lists(st.sampled_from([*TOKENS, *"ab 01-."]), max_size=80).map("".join),
        json_values.map(json.dumps),
        shaped_json.map(json.dumps),
    ).flatmap(lambda text: st.tuples(st.just(text), st.sampled_from(URLS)))


def strategy_and_check(job: str):
    """The inputs and the contract of one fuzz job: a parser's KIND, or "pipeline"."""
    if job == "pipeline":

        def check(text: str, url: str | None) -> None:
            try:
                assert isinstance(sources.parse(text, url), Listing)
            except ParseError:
                pass

        return st.one_of(mutated("any"), random_inputs()), check
    module = next(m for m in sources.PARSERS if m.KIND == job)
    return (
        st.one_of(mutated(job), random_inputs()),
        lambda t, u: parses_or_refuses(module, t, u),
    )


def run_job(job: str) -> tuple[int, str]:
    """Run EXAMPLES generated inputs of one job (in a worker process): (inputs run, the
    failure with hypothesis's falsifying example, or "")."""
    strategy, check = strategy_and_check(job)
    count = 0
    # derandomized: CI explores the same inputs on every run, so its verdict is reproducible
    fuzz = settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )

    @fuzz
    @given(case=strategy)
    def body(case):
        nonlocal count
        count += 1
        check(*case)

    try:
        body()
    except BaseException as error:  # reported by the test that waits for this job
        return count, "".join(traceback.format_exception(error))
    return count, ""


JOBS = [m.KIND for m in sources.PARSERS] + ["pipeline"]


@pytest.fixture(scope="module")
def fuzzing(tmp_path_factory):
    """Every fuzz job and the atheris run, started at once on every core: the tests below
    wait for their own (run one after another, they took 11 minutes of CI on 2 cores)."""
    need(CORPUS.is_dir(), f"the saved corpus is absent at {CORPUS}")
    folder = tmp_path_factory.mktemp("atheris")
    atheris = _start_atheris(folder) if _has_atheris() else None
    spawn = multiprocessing.get_context("spawn")  # a fork of pytest's threads may deadlock
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=spawn) as pool:
        jobs = {job: pool.submit(run_job, job) for job in JOBS}
        yield jobs, atheris, folder / "stderr"
        for job in jobs.values():
            job.cancel()
        if atheris is not None:
            atheris.kill()  # a no-op once it has ended
            atheris.wait()


def wait_for(jobs: dict, job: str) -> None:
    count, failure = jobs[job].result(timeout=1800)
    assert not failure, f"fuzz {job}:\n{failure}"
    assert count >= EXAMPLES, f"fuzz {job}: only {count} of {EXAMPLES} inputs ran"
    INPUTS[f"fuzz {job}"] = count
    print(f"\nfuzz {job}: {count} inputs")


@pytest.mark.parametrize("module", sources.PARSERS, ids=lambda m: m.KIND)
def test_mutated_real_pages(module, fuzzing):
    wait_for(fuzzing[0], module.KIND)


def test_detect_and_parse_whole_pipeline(fuzzing):
    wait_for(fuzzing[0], "pipeline")


@pytest.mark.parametrize("path", corpus_pages() or [None], ids=lambda p: p and p.name[:50])
def test_every_1kb_truncation_of_every_page(path):
    need(path is not None, f"the saved corpus is absent at {CORPUS}")
    data, cuts = path.read_bytes(), 0
    for cut in [*range(1024, len(data), 1024), len(data)]:
        try:
            text, url = sources.unwrap(sources.decode(data[:cut]), path.resolve().as_uri())
        except ParseError:
            continue
        for module in sources.PARSERS:
            parses_or_refuses(module, text, url)
        cuts += 1
    INPUTS[f"cuts {path.name}"] = cuts * len(sources.PARSERS)


def _start_atheris(folder: Path) -> subprocess.Popen:
    seeds = folder / "seeds"
    seeds.mkdir()
    for n, (text, _, _) in enumerate(SEEDS):
        (seeds / f"{n}").write_bytes(text.encode("utf-8", "surrogatepass")[:16384])
    runs = max(EXAMPLES, 2000)
    with (folder / "stderr").open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-c", HARNESS, f"-runs={runs}", "-seed=1", "-max_len=16384"]
            + [str(seeds)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            cwd=folder,
        )


def test_atheris_finds_nothing(fuzzing):
    need(_has_atheris(), "atheris is not installed (pip install atheris==3.0.0)")
    _, atheris, log = fuzzing
    returncode = atheris.wait(timeout=1800)
    stderr = log.read_text(errors="replace")
    assert returncode == 0, stderr[-3000:]
    done = [line for line in stderr.splitlines() if line.startswith("Done ")]
    assert done, stderr[-2000:]
    print(f"\natheris: {done[-1]}")


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


def atheris_main() -> None:
    """libFuzzer over every parser: the first byte picks the parser, the rest is the page."""
    import atheris

    parsers = sources
    atheris.instrument_all()  # coverage guidance over the parsers (already imported)

    def one_input(data: bytes) -> None:
        if not data:
            return
        module = parsers.PARSERS[data[0] % len(parsers.PARSERS)]
        text = data[1:].decode("utf-8", "replace")
        try:
            assert isinstance(module.parse(text, None), Listing)
        except parsers.ParseError:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
