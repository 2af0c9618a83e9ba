"""base.html as every page gets it: the menu by request, the current page marked, flashes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from web.i18n import N_, LanguageMiddleware
from web.templating import Flash, NavItem, page_templates


def client_with(nav: list[NavItem], flashes: list[Flash] | None = None) -> TestClient:
    app = FastAPI()
    app.add_middleware(LanguageMiddleware)
    templates = page_templates(nav)

    @app.get("/reports/{name}", response_class=HTMLResponse)
    async def page(request: Request, name: str) -> HTMLResponse:
        context = {"title": name, "explanation": "", "details": [], "flashes": flashes or []}
        return templates.TemplateResponse(request, "error.html", context)

    return TestClient(app)


def test_menu_shows_what_the_request_may_see_and_marks_the_current_page() -> None:
    nav = [
        NavItem("/", N_("Live taps")),
        NavItem("/reports", N_("Reports")),
        NavItem("/registry", N_("Registry"), visible=lambda request: "staff" in request.query_params),
    ]
    page = client_with(nav).get("/reports/daily-sheet").text
    assert '<a href="/reports" aria-current="page">Raporty</a>' in page
    assert '<a href="/">Odbicia na żywo</a>' in page and "/registry" not in page
    assert "/registry" in client_with(nav).get("/reports/x?staff=1").text


def test_no_menu_no_nav_landmark() -> None:
    page = client_with([]).get("/reports/x").text
    assert "<nav" not in page and '<a class="skip" href="#main">' in page


def test_flashes_are_announced_in_the_status_region() -> None:
    flashes = [Flash("Zapisano.", "ok"), Flash("Nie zapisano <b>", "error")]
    page = client_with([], flashes).get("/reports/x").text
    assert (
        '<div class="flashes" role="status"><p class="flash flash-ok">Zapisano.</p>'
        '<p class="flash flash-error">Nie zapisano &lt;b&gt;</p></div>'
    ) in page
