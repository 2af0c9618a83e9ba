"""The PDF's tables have fixed column widths from their content (Typst is told them, and
tables with the same columns line up); the HTML for the screen keeps the browser's automatic
layout."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hub.reports import Report, Section
from hub.reports.model import Minutes, Percent
from hub.reports.pdf import WRAP_AT, column_widths, report_data
from hub.reports.render import polish_number, to_html
from hub.rules.fees import format_amount

GROUP = ("Dziecko", "Nr karty", "Razem")


def section(title: str, *rows: tuple[str, str, Decimal]) -> Section:
    return Section(title=title, columns=GROUP, rows=rows)


def report(*sections: Section) -> Report:
    return Report("fee-summary", "Zestawienie", "marzec 2026", datetime(2026, 4, 1, tzinfo=UTC), sections)


def test_widths_follow_the_longest_cell_or_heading_word_and_add_up_to_the_page() -> None:
    widths = column_widths(
        [section("a", ("Ala", "7", Decimal("1234.5"))), section("b", ("Ala Żak", "8", Decimal(0)))]
    )
    needs = [len("Dziecko") + 2, len("karty") + 2, len("1 234,50") + 2]
    assert widths == [round(100 * need / sum(needs), 2) for need in needs]
    assert abs(sum(widths) - 100) < 0.05


def test_long_text_wraps_instead_of_widening_its_column_further() -> None:
    long = column_widths([section("a", ("x" * (WRAP_AT + 30), "7", Decimal(1)))])
    capped = column_widths([section("a", ("x" * WRAP_AT, "7", Decimal(1)))])
    assert long == capped


def test_tables_with_the_same_columns_line_up_and_only_the_pdf_fixes_them() -> None:
    small = section("Grupa Żabki", ("Żak Łucja", "7", Decimal(1)))
    wide = section("Grupa Biedronki", ("Kowalczyk-Dąbrowska Małgorzata", "149, 150", Decimal("10000")))
    printed = report_data(report(small, wide))
    shared = column_widths([small, wide])
    assert [table["widths"] for table in printed["sections"]] == [shared, shared]

    screen = to_html(report(small, wide))
    assert "<colgroup>" not in screen and "table-layout" not in screen


def test_a_number_prints_by_its_kind_and_value_whatever_was_printed_before() -> None:
    """Printed numbers are cached: equal values of different kinds, and 0 and −0, each keep
    their own print, in either order."""
    for _ in range(2):
        assert polish_number(Percent("93.25")) == "93,2\u00a0%"
        assert polish_number(Decimal("93.25")) == "93,25"
        assert polish_number(Minutes(125)) == "2 h 05 min"
        assert polish_number(125) == "125"
        assert polish_number(Decimal("1234.5")) == polish_number(Decimal("1234.50")) == "1\u00a0234,50"
        assert polish_number(-Decimal("0")) == format_amount(-Decimal("0"))
        assert polish_number(Decimal("0")) == "0,00"
