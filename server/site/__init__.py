"""The archive site builder: the store as a static site of Markdown and HTML pages, feeds, a
sitemap and a search bundle, rendered with the templates and assets of the top-level site/.

build.py is the builder (its `_build` reads like the site map); data.py what pages read from the
store; pages.py the listing pages, paper.py the detail pages (their similar papers come from the
index, as the API's do); markup.py text made safe for Markdown, page paths and links; render.py
Markdown to HTML; svg.py the charts; feeds.py feeds and indexing files; pagefind.py the search
bundle; output.py the output folder.
"""

from server.site.builder import DEFAULT_BASE_URL, BuildReport, build, options

__all__ = ["DEFAULT_BASE_URL", "BuildReport", "build", "options"]
