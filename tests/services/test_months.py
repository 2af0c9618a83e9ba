"""Closing months: the billed month is locked, a later correction is billed once, as an adjustment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.config import Settings
from hub.refusal import Refusal
from hub.rules.attendance import TapId
from hub.services import days, months
from hub.store import cards, corrections, readers, registry, taps
from hub.store.db import open_database
from hub.wire import TapMessage
from web.cli import cli


def local(month: int, day: int, hour: int, minute: int) -> datetime:
    """Warsaw wall-clock time in autumn 2026 (CEST until 25 October, then CET)."""
    offset = 2 if (month, day) < (10, 25) else 1
    return datetime(2026, month, day, hour - offset, minute, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(database=tmp_path / "months.db")
    db = open_database(settings.database)
    readers.add_reader(db, "wejscie", "Wejście")
    registry.add_group(db, "Żabki", author="test")
    child = registry.add_child(
        db, first_name="Łucja", last_name="Żak", group="Żabki", active_from="2026-09-01", author="test"
    )
    cards.assign_card_from_day(
        db, uid="04A2B3C4", child_id=child["id"], author="t", day=date(2026, 9, 1), tz=settings.tz
    )
    stays = [(9, 16, (7, 40), (15, 50)), (10, 14, (7, 40), (15, 50))]  # 3 h billed each: 4,32 zł
    moments = [local(m, d, *clock) for m, d, arrival, departure in stays for clock in (arrival, departure)]
    with db.atomic():
        taps.insert_new(
            db,
            [
                taps.tap_row("wejscie", TapMessage("04A2B3C4", seq, 1, 0, None, int(at.timestamp())), at)
                for seq, at in enumerate(moments, 1)
            ],
        )
    db.close()
    return settings


def stay_fee(settings: Settings, month: int) -> Decimal:
    db = open_database(settings.database)
    try:
        return months.statement(db, settings, 1, 2026, month).stay_fee
    finally:
        db.close()


def test_a_correction_to_a_closed_month_is_billed_once_in_the_next_open_month(settings: Settings) -> None:
    db = open_database(settings.database)
    assert months.close(db, settings, 2026, 9, "dyrektor") == 1
    assert months.billed_month(db, 1, 2026, 9).stay_fee == Decimal("4.32")
    # The teacher finds the departure on 16 September was really 16:50: one more full hour.
    corrections.add_correction(
        db,
        child_id=1,
        day=date(2026, 9, 16),
        kind="move",
        at=local(9, 16, 16, 50),
        target_tap=TapId("wejscie", 2),
        reason="odbicie wyjścia przy furtce nie zadziałało",
        author="wychowawczyni",
    )
    [flagged] = [i for i in days.inconsistencies(db, settings, date(2026, 9, 1), date(2026, 9, 30))
                 if i.kind == "correction_after_close"]  # fmt: skip
    assert flagged.day == date(2026, 9, 16)  # the log says the closed month was changed
    october = months.statement(db, settings, 1, 2026, 10)
    [line] = october.adjustments
    assert (line.year, line.month, line.day, line.amount) == (2026, 9, date(2026, 9, 16), Decimal("1.44"))
    assert october.total == october.subtotal + Decimal("1.44")
    [row] = months.summary(db, settings, 2026, 10).rows
    assert row.adjustments == Decimal("1.44")  # the accountant sees it too
    assert months.billed_month(db, 1, 2026, 9).stay_fee == Decimal("4.32")  # the closed month is untouched
    months.close(db, settings, 2026, 10, "dyrektor")  # October billed the adjustment…
    november = months.statement(db, settings, 1, 2026, 11)
    assert november.adjustments == ()  # …so November does not bill it again
    assert months.billed_month(db, 1, 2026, 9).stay_fee == Decimal("5.76")  # September's billed version 2
    db.close()


def test_closing_refusals(settings: Settings) -> None:
    db = open_database(settings.database)
    months.close(db, settings, 2026, 9, "dyrektor")
    with pytest.raises(Refusal, match="already closed"):
        months.close(db, settings, 2026, 9, "dyrektor")
    with pytest.raises(Refusal, match="not over yet"):
        months.close(db, settings, 2099, 1, "dyrektor")
    with pytest.raises(Refusal, match="Who makes the change"):
        months.close(db, settings, 2026, 8, " ")
    db.close()


def test_months_cli(settings: Settings) -> None:
    runner = CliRunner()
    base = ["--database", str(settings.database)]
    assert (
        "Closed 2026-10: 1 statements kept."
        in runner.invoke(cli, [*base, "months", "close", "2026-10"]).output
    )
    assert "2026-10 closed" in runner.invoke(cli, [*base, "months", "list"]).output
    bad = runner.invoke(cli, [*base, "months", "close", "październik"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
