"""Reports of the money side: a payer's ledger statement, the reminder letter, the
accountant's month of receivables and payments, and the arrears list. The numbers come from
`hub.services.ledger` (grosze); here they only become złoty cells."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlite_utils import Database

from hub.config import Settings
from hub.reports.model import Report, Section
from hub.rules.fees.money import format_pln, from_grosz
from hub.rules.ledger import Settlement, settle
from hub.rules.ledger.account import printed
from hub.rules.ledger.matching import reference
from hub.services import ledger
from hub.store import bank, copayers, money_settings, registry
from hub.timefmt import month_title, utc_now

KINDS = {
    "stay": "opłata za pobyt",
    "meals": "posiłki",
    "meal_refund": "odpis za posiłki",
    "adjustment": "korekta",
    "copayer_share": "udział współpłatnika",
    "payment": "wpłata",
    "write_off": "umorzenie",
    "payout": "zwrot nadpłaty",
}


def zl(grosze: int) -> Decimal:
    return from_grosz(grosze)


def _payer_facts(state: ledger.PayerState) -> list[tuple[str, str]]:
    child = state.child
    facts = [("Dziecko", f"{child['first_name']} {child['last_name']}"), ("Grupa", child["group_name"])]
    if state.copayer:
        facts.append(("Współpłatnik", state.copayer["name"]))
    facts.append(("Tytuł przelewu", f"{reference(child['id'])} {child['last_name']} {child['first_name']}"))
    if state.account:
        facts.append(("Rachunek do wpłat", printed(state.account)))
    return facts


def _dues_section(s: Settlement) -> Section:
    rows = tuple(
        (d.period, d.due_on.strftime("%d.%m.%Y"), zl(d.amount), zl(d.paid), zl(d.outstanding),
         zl(d.interest_now), d.days_late(s.on) or "")
        for d in s.dues
        if d.outstanding
    )  # fmt: skip
    return Section(
        title="Należności",
        columns=(
            "Miesiąc",
            "Termin",
            "Naliczono zł",
            "Wpłacono zł",
            "Pozostało zł",
            "Odsetki zł",
            "Dni zwłoki",
        ),
        rows=rows,
        totals=("Razem", "", "", "", zl(s.outstanding), zl(s.interest_now), ""),
        note=f"Nadpłata do rozliczenia: {format_pln(zl(s.credit))}." if s.credit > 0 else "",
    )


def ledger_statement(
    db: Database, settings: Settings, child_id: int, on: date, copayer_id: int | None = None
) -> Report:
    """A payer's account: every entry with the running balance, what is due, where to pay."""
    state = ledger.payer_state(db, child_id, on, copayer_id)
    entries = Section(
        title="Operacje",
        columns=("Data", "Rodzaj", "Opis", "Kwota zł", "Saldo zł"),
        rows=tuple(
            (
                line.entry.booked_on.strftime("%d.%m.%Y"),
                KINDS[line.entry.kind],
                line.entry.description,
                zl(line.entry.amount),
                zl(line.balance),
            )
            for line in state.lines
        ),
        totals=("Saldo", "", "", "", zl(state.balance)),
        note="Saldo dodatnie: do zapłaty; ujemne: nadpłata.",
    )
    return Report(
        name="ledger-statement",
        title="Wyciąg z konta opłat",
        subtitle=f"stan na {on.strftime('%d.%m.%Y')}",
        generated_at=utc_now().astimezone(settings.tz),
        sections=(entries, _dues_section(state.settlement)),
        facts=tuple(_payer_facts(state)),
    )


def reminder(db: Database, settings: Settings, child_id: int, on: date) -> Report:
    """The reminder letter (upomnienie) to a child's parents: the months unpaid after their due
    day, the interest for arrears as of `on`, the total, and the account to pay to."""
    state = ledger.payer_state(db, child_id, on)
    s = state.settlement
    overdue = s.overdue()
    principal = sum(d.outstanding for d in overdue)
    interest = sum(d.interest_now for d in overdue)
    rows = tuple(
        (d.period, d.due_on.strftime("%d.%m.%Y"), d.days_late(on), zl(d.outstanding), zl(d.interest_now))
        for d in overdue
    )
    child = state.child
    text = (
        f"Informujemy, że na dzień {on.strftime('%d.%m.%Y')} opłaty za korzystanie z wychowania "
        f"przedszkolnego i wyżywienie dziecka {child['first_name']} {child['last_name']} nie zostały "
        f"uregulowane w terminie. Zaległość wynosi {format_pln(zl(principal))}, odsetki za zwłokę "
        f"{format_pln(zl(interest))} (naliczane jak od zaległości podatkowych, art. 53–56 Ordynacji "
        f"podatkowej). Prosimy o wpłatę {format_pln(zl(principal + interest))} na rachunek podany powyżej."
    )
    return Report(
        name="reminder",
        title="Przypomnienie o zaległej opłacie",
        subtitle=f"stan na {on.strftime('%d.%m.%Y')}",
        generated_at=utc_now().astimezone(settings.tz),
        sections=(
            Section(
                title="Zaległe należności",
                columns=("Miesiąc", "Termin płatności", "Dni zwłoki", "Zaległość zł", "Odsetki zł"),
                rows=rows,
                totals=("Razem do zapłaty", "", "", zl(principal), zl(interest)),
                note=text,
            ),
        ),
        facts=tuple(_payer_facts(state)),
        signature="Dyrektor przedszkola",
    )


def receivables(db: Database, settings: Settings, year: int, month: int, group: str | None = None) -> Report:
    """The accountant's month: each payer's charges for it and payments booked in it, balance,
    overdue and interest; co-payers as their own rows; transfers still nobody's."""
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1).toordinal() - 1
    last_day = date.fromordinal(last)
    period = ledger.period_of(year, month)
    group_id = registry.find_group(db, group)["id"] if group else None
    children = registry.list_children(db, group_id=group_id)
    names = {c["id"]: c for c in children}
    payers = {c["id"]: c["name"] for c in copayers.list_copayers(db)}
    mset = money_settings.load(db)
    rows = []
    totals = [0, 0, 0, 0, 0]
    for (child_id, copayer_id), entries in sorted(
        ledger.entries_by_payer(db).items(), key=lambda kv: (kv[0][1] or 0, kv[0][0])
    ):
        if child_id not in names:
            continue
        charged = sum(e.amount for e in entries if e.is_charge and e.period == period)
        paid = -sum(e.amount for e in entries if not e.is_charge and first <= e.booked_on <= last_day)
        state = settle(entries, last_day, mset.rates, mset.interest_threshold)
        balance = sum(e.amount for e in entries if e.booked_on <= last_day)
        overdue = sum(d.outstanding for d in state.overdue())
        values = (charged, paid, balance, overdue, state.interest_now)
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        child = names[child_id]
        rows.append(
            (child["group_name"], f"{child['last_name']} {child['first_name']}", reference(child_id),
             payers.get(copayer_id, "rodzice") if copayer_id else "rodzice", *(zl(v) for v in values))
        )  # fmt: skip
    unmatched = bank.transfers(db, unmatched=True)
    sections = [
        Section(
            title="Należności i wpłaty",
            columns=(
                "Grupa",
                "Dziecko",
                "Nr",
                "Płatnik",
                "Naliczono zł",
                "Wpłacono zł",
                "Saldo zł",
                "Zaległość zł",
                "Odsetki zł",
            ),
            rows=tuple(rows),
            totals=("Razem", "", "", "", *(zl(t) for t in totals)),
            note=f"Naliczono: opłaty za {period}. Wpłacono: wpłaty zaksięgowane w miesiącu. "
            f"Saldo, zaległość i odsetki na {last_day.strftime('%d.%m.%Y')}.",
        ),
        Section(
            title="Przelewy nieprzypisane",
            columns=("Nr", "Data", "Nadawca", "Tytuł", "Kwota zł"),
            rows=tuple(
                (t["id"], t["booked_on"], t["counterparty"], t["title"], zl(t["amount"])) for t in unmatched
            ),
            totals=("Razem", "", "", "", zl(sum(t["amount"] for t in unmatched))),
        ),
    ]
    return Report(
        name="receivables",
        title="Należności i wpłaty (księgowość)",
        subtitle=month_title(year, month),
        generated_at=utc_now().astimezone(settings.tz),
        sections=tuple(sections),
        facts=(("Grupa", group or "wszystkie"),),
        landscape=True,
    )


def arrears(db: Database, settings: Settings, on: date, group: str | None = None) -> Report:
    """Every payer with a month unpaid after its due day, per group."""
    group_id = registry.find_group(db, group)["id"] if group else None
    found = ledger.arrears(db, on, group_id)
    payers = {c["id"]: c["name"] for c in copayers.list_copayers(db)}
    threshold = format_pln(zl(money_settings.load(db).interest_threshold))
    rows = tuple(
        (a.child["group_name"], f"{a.child['last_name']} {a.child['first_name']}", reference(a.child["id"]),
         payers.get(a.copayer_id, "") if a.copayer_id else "rodzice", a.oldest_due.strftime("%d.%m.%Y"),
         a.days_late, zl(a.overdue), zl(a.interest))
        for a in found
    )  # fmt: skip
    return Report(
        name="arrears",
        title="Zaległości w opłatach",
        subtitle=f"stan na {on.strftime('%d.%m.%Y')}",
        generated_at=utc_now().astimezone(settings.tz),
        sections=(
            Section(
                title="Zaległości",
                columns=(
                    "Grupa",
                    "Dziecko",
                    "Nr",
                    "Płatnik",
                    "Najstarszy termin",
                    "Dni zwłoki",
                    "Zaległość zł",
                    "Odsetki zł",
                ),
                rows=rows,
                totals=(
                    "Razem",
                    "",
                    "",
                    "",
                    "",
                    "",
                    zl(sum(a.overdue for a in found)),
                    zl(sum(a.interest for a in found)),
                ),
                note=f"Odsetki za zwłokę jak od zaległości podatkowych: nie nalicza się kwot do {threshold}; "
                "zaokrąglone do pełnych złotych.",
            ),
        ),
        facts=(("Grupa", group or "wszystkie"),),
        landscape=True,
    )
