"""A WeasyPrint URL fetcher that reads only regular files inside the project tree."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher


class ConfinedFetcher(URLFetcher):
    """Allow data: URLs and file: URLs that resolve to a regular file under ``root``.

    Anything else (http, ftp, a path outside the project, a symlink out of it, a device such
    as /dev/zero, a folder) stops the render: a print build never depends on the network or on
    files we do not ship.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False,
                         fail_on_errors=True)
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            inside = path.is_relative_to(self.root)
            # Hidden folders (.git, .tools, a virtualenv) hold no edition material.
            hidden = inside and any(p.startswith(".") for p in path.relative_to(self.root).parts)
            if inside and not hidden and path.is_file():
                return super().fetch(url, headers)
            reason = ("outside the project" if not inside
                      else "in a hidden folder" if hidden else "not a file")
        else:
            reason = f"{scheme or 'relative'} URLs are not fetched"
        self.refused.append(url)
        raise FatalURLFetchingError(f"refused to fetch {url}: {reason}")
