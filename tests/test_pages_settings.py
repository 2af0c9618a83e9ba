"""The settings page (opening hours, closed days, fees and meals, the password policy) and the
closing of months: who may read and change them, the legal-cap warning, refusals that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.accounts import security_policy
from hub.services import months
from hub.store import audit, fee_settings, site_settings
from tests.pages_support import INJECTION, ROLES, Site, errors, without_csrf


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site.make(tmp_path)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return Site.make(tmp_path_factory.mktemp("settings"))


READ = {"admin": 200, "director": 200, "secretary": 200, "teacher": 403, "parent": 403, "inspector": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_and_who_may_change(shared: Site, role: str) -> None:
    client = shared.client(role)
    for path in ["/settings", "/months"]:
        page = client.get(path)
        assert page.status_code == READ[role], path
        if page.status_code == 200:
            assert ('action="/settings/' in page.text or 'action="/months/' in page.text) == (
                role in ("admin", "director")
            ), path
    if role not in ("admin", "director"):
        assert client.post("/settings/hours", data={"opening": "07:00", "closing": "16:00",
                                                    "debounce_s": "30"}).status_code == 403  # fmt: skip
        assert client.post("/months/close", data={"month": "2026-09"}).status_code == 403
    with shared.db() as db:
        assert site_settings.get_all(db)["opening"] == "06:30"
        assert months.closed_months(db) == []


def test_opening_hours_move_together_and_are_audited(site: Site) -> None:
    director = site.client("director")
    saved = director.post(
        "/settings/hours", data={"opening": "17:30", "closing": "19:00", "debounce_s": "30"}
    )
    assert saved.status_code == 200 and "saved=hours" in str(saved.url)
    with site.db() as db:
        assert site_settings.get_all(db) == {
            "opening": "17:30", "closing": "19:00", "debounce_s": "30", "missing_from": "09:00"
        }  # fmt: skip
        [entry] = audit.entries(db, entity="settings", actor=director.account["email"])
    assert entry["before"]["opening"] == "06:30" and entry["after"]["opening"] == "17:30"


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ({"opening": "7", "closing": "16:00", "debounce_s": "60"}, "Podaj godzinę jako GG:MM."),
        (
            {"opening": "16:00", "closing": "07:00", "debounce_s": "60"},
            "Otwarcie musi być przed zamknięciem.",
        ),
        ({"opening": "07:00", "closing": "16:00", "debounce_s": "-1"}, "Podaj liczbę od 0 do 3600."),
    ],
)
def test_wrong_hours_are_refused_and_kept_on_the_form(site: Site, form: dict[str, str], reason: str) -> None:
    refused = site.client("director").post("/settings/hours", data=form)
    assert refused.status_code == 422 and errors(refused.text) == [reason]
    assert f'value="{form["debounce_s"]}"' in refused.text
    with site.db() as db:
        assert site_settings.get_all(db) == site_settings.DEFAULTS


def test_a_rate_above_the_legal_cap_is_saved_with_a_warning(site: Site) -> None:
    director = site.client("director")
    page = director.post(
        "/settings/rates", data={"valid_from": "2026-09-01", "per_hour": "1,90", "basis": ""}
    )
    assert page.status_code == 200
    [warning] = page.text.split('class="warning"')[1:]
    assert "1,90" in warning and "1,44" in warning and "2026-09-01" in warning
    wrong = director.post("/settings/rates", data={"valid_from": "2026-10-01", "per_hour": "dużo"})
    assert wrong.status_code == 422 and errors(wrong.text) == ["Podaj kwotę w złotych, np. 1,44."]
    assert 'value="dużo"' in wrong.text
    with site.db() as db:
        rates = {rate.valid_from: rate.per_hour for rate in fee_settings.load(db).rates}
    assert rates == {date(2024, 9, 1): Decimal("1.44"), date(2026, 9, 1): Decimal("1.90")}


def test_stay_rules_meals_and_cut_off(site: Site) -> None:
    director = site.client("director")
    rules = {"valid_from": "2026-09-01", "free_kind": "hours", "free_hours": "4", "rounding": "started_hour",
             "rounding_scope": "segment", "grace_minutes": "5", "missing_scan": "assume_closing"}  # fmt: skip
    page = director.post("/settings/rules", data=rules)
    assert page.status_code == 200 and "krótszy niż ustawowe 5 godzin" in page.text
    backwards = {**rules, "free_kind": "window", "free_start": "13:00", "free_end": "08:00"}
    refused = director.post("/settings/rules", data=backwards)
    assert errors(refused.text) == ["Czas bezpłatny musi się zaczynać przed końcem."]
    assert director.post("/settings/rules", data={**rules, "rounding": "yearly"}).status_code == 422
    director.post("/settings/meals", data={"valid_from": "2026-09-01", "meal": "obiad", "price": "8,50"})
    director.post("/settings/meals", data={"valid_from": "2027-01-01", "meal": "obiad", "stop": "yes"})
    director.post(
        "/settings/meal-rules", data={"cutoff": "14:00", "days_before": "1", "billing": "in_arrears"}
    )
    with site.db() as db:
        fees = fee_settings.load(db)
    [stored] = [r for r in fees.rules if r.valid_from == date(2026, 9, 1)]
    assert (stored.free_period.nominal_minutes, stored.rounding, stored.grace_minutes) == (
        240,
        "started_hour",
        5,
    )
    assert stored.age_exemption is False  # the box was not ticked
    assert [(p.valid_from, p.price) for p in fees.meals.prices] == [
        (date(2026, 9, 1), Decimal("8.50")), (date(2027, 1, 1), None)
    ]  # fmt: skip
    assert (fees.meals.cutoff.hour, fees.meals.cutoff_days_before, fees.meals.billing) == (
        14,
        1,
        "in_arrears",
    )


def test_closed_days_with_a_reason_shown_as_text(site: Site) -> None:
    director = site.client("director")
    page = director.post("/settings/closed-days", data={"day": "2026-12-24", "reason": INJECTION})
    assert INJECTION not in page.text and "&lt;script&gt;" in page.text
    assert errors(director.post("/settings/closed-days", data={"day": "2026-12-31"}).text) == [
        "To pole jest wymagane."
    ]
    with site.db() as db:
        assert [row["day"] for row in site_settings.closed_days(db)] == ["2026-12-24"]
    director.post("/settings/closed-days/remove", data={"day": "2026-12-24"})
    with site.db() as db:
        assert site_settings.closed_days(db) == []


def test_the_password_policy(site: Site) -> None:
    director = site.client("director")
    policy = {"password_min_length": "12", "password_change_days": "90", "password_history": "5",
              "lockout_after": "5", "idle_minutes": "20", "login_rate_limit": "20"}  # fmt: skip
    assert "saved=security" in str(director.post("/settings/security", data=policy).url)
    weak = director.post("/settings/security", data={**policy, "password_min_length": "4"})
    assert weak.status_code == 422 and errors(weak.text) == ["Podaj liczbę od 8 do 128."]
    with site.db() as db:
        stored = security_policy.load(db)
    assert (stored.password_min_length, stored.password_change_days, stored.idle_minutes) == (12, 90, 20)
    assert 'name="password_min_length"' not in site.client("secretary").get("/settings").text  # read only


def test_closing_a_month(site: Site) -> None:
    director = site.client("director")
    assert errors(director.post("/months/close", data={"month": "2026-13"}).text) == [
        "Podaj miesiąc jako RRRR-MM."
    ]
    future = director.post("/months/close", data={"month": "2999-01"})
    assert future.status_code == 422 and errors(future.text) == ["Miesiąc 2999-01 jeszcze się nie skończył."]
    closed = director.post("/months/close", data={"month": "2026-09"})
    assert closed.status_code == 200 and "Miesiąc 2026-09 został zamknięty." in closed.text
    assert director.account["email"] in closed.text
    again = director.post("/months/close", data={"month": "2026-09"})
    assert again.status_code == 422 and errors(again.text) == ["Miesiąc 2026-09 jest już zamknięty."]
    with site.db() as db:
        assert [(m["year"], m["month"]) for m in months.closed_months(db)] == [(2026, 9)]
    # The closed months' list names the month in the reader's language, the link keeps ISO.
    listed = director.get("/months").text
    assert "<td>wrzesień 2026</td>" in listed and "fee-summary?month=2026-09" in listed
    assert "<td>September 2026</td>" in director.get("/months", headers={"Accept-Language": "en"}).text


def test_a_settings_form_without_the_csrf_token_is_refused(site: Site) -> None:
    forged = without_csrf(site.client("director"))
    assert (
        forged.post("/settings/rates", data={"valid_from": "2026-09-01", "per_hour": "9,99"}).status_code
        == 403
    )
    assert forged.post("/months/close", data={"month": "2026-09"}).status_code == 403
    with site.db() as db:
        assert [rate.per_hour for rate in fee_settings.load(db).rates] == [Decimal("1.44")]
        assert months.closed_months(db) == []
