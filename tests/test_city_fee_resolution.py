"""The gmina's fee resolution without the engines: a document read whole or refused whole
(hub/store/fee_document.py), kept on the site as the link receives it (hub/store/city_fees.py,
hub/city/fee_resolution_site.py), billed from its date under the kindergarten's own entries,
closed months left as they were billed, and each entry shown with who set it. The way
through NATS and PostgreSQL is tests/city/test_fee_resolution.py."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from hub.city.apply_events import FeesEvent, Rejected, read_event
from hub.city.events import change_event
from hub.city.fee_resolution_site import keep, local_overrides
from hub.cli.main import cli
from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.fees import HourlyRate
from hub.services import billing, months
from hub.store import audit, city_fees, fee_settings
from hub.store.fee_document import resolution_entries
from tests.fee_resolution_support import BASIS, make_site, stay_fee
from tests.pages_support import Site

FROM = date(2026, 11, 1)
RESOLUTION = {"rates": [{"per_hour": "1,30"}], "meals": {"prices": [{"meal": "obiad", "price": "9.00"}]}}


@pytest.fixture
def site(tmp_path: Path) -> tuple[Settings, Database, int]:
    return make_site(tmp_path)


def received(db: Database, document: dict[str, Any], valid_from: date = FROM, revision: int = 1) -> bool:
    """A resolution as the link reads it from the city's bucket."""
    value = {"id": revision, "valid_from": valid_from.isoformat(), "basis": BASIS, "document": document,
             "set_at": "2026-10-20T10:00:00+00:00"}  # fmt: skip
    return keep(db, f"resolution.{valid_from}", json.dumps(value).encode(), revision)


def test_a_document_reads_whole_undated_entries_taking_the_resolutions_date_and_basis() -> None:
    entries = resolution_entries(
        {"rates": [{"per_hour": "1,30"},
                   {"valid_from": "2027-01-01", "per_hour": 1.35, "basis": "XX/1/2027"}],
         "rules": [{"free": {"first_hours": 5}, "rounding": "minute"}],
         "meals": {"prices": [{"meal": " obiad ", "price": "9.00"}, {"meal": "śniadanie", "price": None}]}},
        FROM, BASIS,
    )  # fmt: skip
    assert entries.rates == (
        HourlyRate(FROM, Decimal("1.30"), BASIS),
        HourlyRate(date(2027, 1, 1), Decimal("1.35"), "XX/1/2027"),
    )
    [rules] = entries.rules
    assert (rules.valid_from, rules.free_period.nominal_minutes, rules.rounding, rules.basis) == (
        FROM, 300, "minute", BASIS,
    )  # fmt: skip
    assert [(p.meal, p.price) for p in entries.meal_prices] == [
        ("obiad", Decimal("9.00")),
        ("śniadanie", None),
    ]


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([], "fees.resolution_invalid"),
        ({"rates": [{"per_hour": "1,30"}], "sources": {}}, "fees.resolution_invalid"),
        ({}, "fees.resolution_empty"),
        ({"rates": []}, "fees.resolution_empty"),
        ({"rates": {"per_hour": "1,30"}}, "fees.resolution_invalid"),
        ({"rates": [{"per_hour": "dużo"}]}, "amount.invalid"),
        ({"rates": [{"per_hour": "-1"}]}, "amount.not_in_grosze"),
        ({"rates": [{"per_hour": "1,305"}]}, "amount.not_in_grosze"),
        ({"rates": [{}]}, "fees.resolution_invalid"),
        ({"rates": [{"per_hour": "1", "stawka": "2"}]}, "fees.resolution_invalid"),
        ({"rates": [{"per_hour": "1", "valid_from": "1.11.2026"}]}, "fees.resolution_invalid"),
        ({"rates": [{"per_hour": "1", "valid_from": "2026-10-01"}]}, "fees.resolution_entry_early"),
        ({"rates": [{"per_hour": "1"}, {"per_hour": "2"}]}, "fees.resolution_invalid"),  # one date twice
        ({"rules": [{"rounding": "per_hour"}]}, "fees.resolution_invalid"),
        ({"rules": [{"free": {"window": ["13:00", "08:00"]}}]}, "fees.resolution_invalid"),
        ({"rules": [{"free": {"hours": 5}}]}, "fees.resolution_invalid"),
        ({"rules": [{"grace_minutes": -5}]}, "fees.resolution_invalid"),
        ({"rules": [{"age_exemption": "tak"}]}, "fees.resolution_invalid"),
        ({"meals": {"prices": [{"meal": "", "price": "9"}]}}, "fees.resolution_invalid"),
        ({"meals": {"prices": [{"meal": "obiad"}]}}, "fees.resolution_invalid"),
        (
            {"meals": {"prices": [{"meal": "obiad", "price": "9"}], "cutoff": "08:00"}},
            "fees.resolution_meal_rules",
        ),
        ({"meals": [{"meal": "obiad", "price": "9"}]}, "fees.resolution_invalid"),
    ],
)
def test_a_malformed_resolution_is_refused_whole_with_its_reason(document: Any, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        resolution_entries(document, FROM, BASIS)
    assert refused.value.code == code


def test_the_city_command_refuses_a_bad_document_before_reaching_the_engines(tmp_path: Path) -> None:
    engines = ["--nats", "nats://127.0.0.1:9", "--postgres", f"host={tmp_path} port=9 dbname=none"]
    for text, reason in [
        ('{"rates": [{"per_hour": "1,30", "valid_from": "2026-10-01"}]}',
         "Pozycja od 2026-10-01 jest wcześniejsza niż data uchwały 2026-11-01."),
        ("{rates: 1,30}", "Uchwała nie jest dokumentem JSON"),
    ]:  # fmt: skip
        document = tmp_path / "uchwala.json"
        document.write_text(text)
        result = CliRunner(env={"LC_ALL": None, "LC_MESSAGES": None, "LANG": "pl_PL.UTF-8"}).invoke(
            cli,
            ["city", "resolution", "set", "--from", "2026-11-01", "--basis", BASIS, *engines, str(document)],
        )
        assert result.exit_code == 1 and reason in result.output, result.output
    document.write_text(json.dumps(RESOLUTION))
    result = CliRunner().invoke(
        cli, ["city", "resolution", "set", "--from", "2026-11-01", "--basis", " ", *engines, str(document)]
    )
    assert result.exit_code == 1 and "--basis" in result.output


def test_a_received_resolution_is_billed_from_its_date_audited_and_marked(
    site: tuple[Settings, Database, int],
) -> None:
    settings, db, ania = site
    assert (stay_fee(db, settings, ania, 10), stay_fee(db, settings, ania, 11)) == (Decimal("5.76"),) * 2
    assert received(db, RESOLUTION)
    assert not received(db, RESOLUTION)  # the same revision again: nothing changes
    october, november = stay_fee(db, settings, ania, 10), stay_fee(db, settings, ania, 11)
    assert (october, november) == (Decimal("5.76"), Decimal("5.20"))  # 4 h × 1,44 before; × 1,30 from 1 XI
    [line] = billing.statement(db, settings, ania, 2026, 11).bands
    assert line.rate.basis == BASIS  # printed on the parents' statement
    [entry] = audit.entries(db, entity="city_fee_resolution")
    assert (entry["actor"], entry["action"], entry["entity_id"]) == (
        "city",
        "fees.city_resolution",
        "2026-11-01",
    )

    fee_settings.set_rate(db, date(2026, 11, 15), "1,20", "zarządzenie dyrektora", author="dyrektor")
    assert stay_fee(db, settings, ania, 11) == Decimal("4.80")  # the local rate from 15 XI wins
    amended = {**RESOLUTION, "rates": [{"per_hour": "1,35"}]}  # the same date: it replaces the first
    assert received(db, amended, revision=2)
    assert city_fees.listed(db)[0]["revision"] == 2
    assert stay_fee(db, settings, ania, 11) == Decimal("4.80")  # 18 XI: still the local rate
    assert fee_settings.load_local(db).rates[-1].per_hour == Decimal("1.20")  # the site's own, only

    shown = CliRunner().invoke(cli, ["--database", str(settings.database), "fees", "show"]).output
    assert "rate from 2024-09-01: 1.44 zł/h" in shown and "2024-09-01: 1.44 zł/h ustawowy" in shown
    assert f"rate from 2026-11-01: 1.35 zł/h {BASIS}  [uchwała gminy]" in shown
    assert "rate from 2026-11-15: 1.20 zł/h zarządzenie dyrektora  [zmiana lokalna]" in shown
    assert "meal from 2026-11-01: obiad 9.00  [uchwała gminy]" in shown
    as_json = json.loads(
        CliRunner().invoke(cli, ["--database", str(settings.database), "fees", "show", "--json"]).output
    )
    assert as_json["sources"]["rates"] == ["default", "city", "local"]


def test_an_unreadable_value_from_the_city_is_left_out(site: tuple[Settings, Database, int]) -> None:
    _settings, db, _ania = site
    assert not keep(db, "resolution.2026-11-01", b"not json", 1)
    assert not keep(db, "resolution.2026-11-01", json.dumps({"valid_from": "2026-11-01"}).encode(), 2)
    assert not received(db, {"rates": [{"per_hour": "-1"}]})
    assert city_fees.listed(db) == []


def test_a_resolution_dated_in_a_closed_month_does_not_rebill_it_as_a_local_change_does_not(
    site: tuple[Settings, Database, int],
) -> None:
    settings, db, ania = site
    months.close(db, settings, 2026, 10, "dyrektor")
    assert received(db, {"rates": [{"per_hour": "1,00"}]}, valid_from=date(2026, 10, 1))
    assert months.billed_month(db, ania, 2026, 10).stay_fee == Decimal("5.76")  # kept as billed
    assert months.statement(db, settings, ania, 2026, 11).adjustments == ()  # no adjustment for October
    assert stay_fee(db, settings, ania, 11) == Decimal("4.00")  # November at the resolution's rate
    fee_settings.set_rate(db, date(2026, 10, 1), "0,50", author="dyrektor")  # a local change alike
    assert months.billed_month(db, ania, 2026, 10).stay_fee == Decimal("5.76")
    assert months.statement(db, settings, ania, 2026, 11).adjustments == ()


def test_the_sites_own_entries_go_to_the_city_as_a_fees_event(site: tuple[Settings, Database, int]) -> None:
    _settings, db, _ania = site
    received(db, RESOLUTION)
    fee_settings.set_rate(db, date(2026, 11, 15), "1,20", author="dyrektor")
    fee_settings.set_meal_price(db, date(2026, 11, 15), "obiad", "8,50", author="dyrektor")
    fee_settings.set_meal_price(db, date(2026, 12, 1), "podwieczorek", "3", author="dyrektor")
    assert [item["valid_from"] for item in local_overrides(db)] == ["2026-11-15", "2026-12-01"]
    [entry] = [e for e in audit.entries(db, entity="settings") if e["action"] == "settings.fees"][-1:]
    event = change_event(db, "p12", entry)
    assert event.subject == "city.p12.changes" and event.payload["kind"] == "fees"
    first = event.payload["fees"][0]
    assert first["document"]["rates"] == [{"valid_from": "2026-11-15", "per_hour": "1.20", "basis": ""}]
    assert first["document"]["meals"]["prices"] == [
        {"valid_from": "2026-11-15", "meal": "obiad", "price": "8.50"}
    ]
    assert "1.30" not in json.dumps(event.payload)  # the gmina's own entries are not sent back


def test_the_settings_page_marks_the_gminas_entries_and_the_local_changes(tmp_path: Path) -> None:
    site = Site.make(tmp_path)
    with site.db() as db:
        received(db, RESOLUTION)
        fee_settings.set_rate(db, date(2026, 11, 15), "1,20", author="dyrektor")
    page = site.client("director").get("/settings").text
    rates = page.split('id="rates-title"')[1].split("</table>")[0]
    assert "<td>uchwała gminy</td>" in rates and "<td>zmiana lokalna</td>" in rates
    assert "<td>domyślne</td>" in rates and "Źródło" in rates
    assert "Pozycje z uchwały gminy obowiązują od swoich dat" in page
    english = site.client("director").get("/settings", headers={"Accept-Language": "en"}).text
    assert "<td>municipal resolution</td>" in english and "<td>local change</td>" in english


def test_the_city_reads_a_fees_event_and_refuses_one_with_a_malformed_override(
    site: tuple[Settings, Database, int],
) -> None:
    _settings, db, _ania = site
    fee_settings.set_rate(db, date(2026, 11, 15), "1,20", author="dyrektor")
    [entry] = [e for e in audit.entries(db, entity="settings") if e["action"] == "settings.fees"]
    event = change_event(db, "p12", entry)
    read, _payload = read_event(event.subject, event.data())
    assert isinstance(read, FeesEvent) and read.change_id == entry["id"]
    assert read.fees[0].valid_from == date(2026, 11, 15)
    negative = {"rates": [{"per_hour": "-1"}]}
    bad = {**event.payload, "fees": [{"valid_from": "2026-11-15", "document": negative}]}
    with pytest.raises(Rejected, match="Give an amount"):
        read_event(event.subject, json.dumps(bad).encode())
