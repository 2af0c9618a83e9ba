"""In Chromium: the director publishes an announcement for Motylki; a parent of Motylki sees it
on their home page on a phone, a parent of Żabki does not; a teacher of Motylki adds a trip,
and the Motylki parent's private calendar feed holds it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from tests.pages_support import PARENT_EMAIL, Site
from tests.support import WebServer
from tests.web_support import PASSWORD, add_account

PHONE = {"width": 360, "height": 740}


def log_in(browser: Browser, server: WebServer, email: str, **context: object) -> Page:
    page = browser.new_context(locale="pl-PL", **context).new_page()  # type: ignore[arg-type]
    page.goto(f"{server.url}/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_an_announcement_and_a_trip_reach_the_right_parents(tmp_path: Path, browser: Browser) -> None:
    site = Site.make(tmp_path)
    database = site.settings.database
    add_account(database, "director", email="dyrektor@p11.example.pl")
    add_account(database, "teacher", email="nauczycielka@p11.example.pl", groups=[site.motylki])
    add_account(database, "parent", email=PARENT_EMAIL, children=[site.ania])
    add_account(database, "parent", email="ojciec.olka@p11.example.pl", children=[site.olek])
    trip_day = datetime.now(site.settings.tz).date() + timedelta(days=3)
    with WebServer(site.app) as server:
        director = log_in(browser, server, "dyrektor@p11.example.pl")
        director.goto(f"{server.url}/announcements")
        director.get_by_label("Tytuł").fill("Jasełka w piątek")
        director.get_by_label("Treść").fill("Zapraszamy rodziców o 10:00.\nProsimy o stroje.")
        director.get_by_label("Dla kogo").select_option(label="Grupa: Motylki")
        director.get_by_role("button", name="Opublikuj").click()
        expect(director.get_by_role("status")).to_contain_text("Ogłoszenie zostało opublikowane.")

        mother = log_in(browser, server, PARENT_EMAIL, viewport=PHONE)  # one child: lands on hers
        news = mother.get_by_role("region", name="Ogłoszenia")
        expect(news).to_contain_text("Jasełka w piątek")
        expect(news).to_contain_text("Prosimy o stroje.")
        assert mother.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        father = log_in(browser, server, "ojciec.olka@p11.example.pl", viewport=PHONE)
        expect(father.get_by_role("heading", level=1)).to_have_text("Olek Żak")
        expect(father.get_by_text("Jasełka w piątek")).to_have_count(0)

        teacher = log_in(browser, server, "nauczycielka@p11.example.pl")
        teacher.goto(f"{server.url}/calendar")
        teacher.get_by_label("Rodzaj").select_option(label="Wycieczka")
        teacher.get_by_label("Nazwa wydarzenia").fill("Wycieczka do lasu")
        teacher.get_by_label("Miejsce").fill("Las Wolski")
        teacher.get_by_label("Grupa").select_option(label="Motylki")
        teacher.get_by_label("Pierwszy dzień").fill(trip_day.isoformat())
        teacher.get_by_label("Początek o").fill("09:00")
        teacher.get_by_label("Koniec o").fill("12:30")
        teacher.get_by_role("button", name="Dodaj", exact=True).click()
        expect(teacher.get_by_role("status")).to_contain_text("Wydarzenie dodano do terminarza.")

        mother.goto(f"{server.url}/calendar")
        mother.get_by_role("button", name="Utwórz link").click()
        link = mother.locator("code.feed-link").inner_text()
        expect(mother.get_by_role("link", name="Subskrybuj na tym telefonie")).to_have_attribute(
            "href", "webcal://" + link.split("://", 1)[1]
        )
        assert mother.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone_calendar = browser.new_context().request  # no session: the link is the key
        response = phone_calendar.get(link)
        assert response.ok and response.headers["content-type"].startswith("text/calendar")
        events = {
            str(event["summary"]): event for event in Calendar.from_ical(response.body()).walk("VEVENT")
        }
        trip = events["Wycieczka: Wycieczka do lasu"]
        assert trip.decoded("dtstart") == datetime.combine(
            trip_day, datetime.min.time().replace(hour=9)
        ).replace(tzinfo=site.settings.tz)
        assert str(trip["location"]) == "Las Wolski"
