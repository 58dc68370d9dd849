"""A page of a list: its number, how many pages there are (computed here only) and the link to
any page; the `pagination` macro (components/macros/pagination.html) shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Pagination:
    page: int
    total: int
    par_page: int
    chemin: str
    criteres: tuple[tuple[str, str], ...] = ()
    ancre: str = ""
    # The total is a lower bound (a count stopped at a ceiling): there is at least one more page.
    plus: bool = False

    @property
    def pages(self) -> int:
        pages = max(1, -(-self.total // self.par_page))
        return max(pages, self.page + 1) if self.plus else pages

    @property
    def decalage(self) -> int:
        return (self.page - 1) * self.par_page

    def lien(self, n: int) -> str:
        """The same list at page `n`, its criteria kept (the empty ones dropped)."""
        return f"{self.chemin}?" + urlencode({**{k: v for k, v in self.criteres if v}, "page": n}) + self.ancre


def paginer(page: int, par_page: int, chemin: str, criteres: dict[str, str] | None = None, ancre: str = "") -> Callable[..., Pagination]:
    """A Pagination once the total is known: `paginer(page, 20, "/cdc", {"q": q})(total)`;
    `plus=True` when the total is only a lower bound."""
    return lambda total, plus=False: Pagination(page, total, par_page, chemin, tuple((criteres or {}).items()), ancre, plus)
