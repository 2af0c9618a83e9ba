"""`ewidencjoner ledger …` and `ewidencjoner payments …`: balances, arrears, co-payers, money
settings; importing bank statements and assigning what matched nobody."""

from __future__ import annotations

import tomllib
from dataclasses import asdict, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from hub.cli.context import (
    DATE,
    _today,
    author_option,
    database_from,
    echo_json,
    json_option,
    refused_as_errors,
)
from hub.rules.fees.money import format_pln, from_grosz, to_grosz
from hub.rules.ledger.account import printed
from hub.rules.ledger.bank_files import GENERIC, CsvProfile
from hub.rules.ledger.matching import reference
from hub.services import ledger, payments
from hub.store import bank, copayers, money_settings, registry


def pln(grosze: int) -> str:
    return format_pln(from_grosz(grosze))


@click.group("ledger")
def ledger_group() -> None:
    """Each child's ledger: balance, dues, payments, arrears; co-payers; money settings."""


@ledger_group.command("show")
@click.argument("child_id", type=int)
@click.option("--copayer", "copayer_id", type=int, help="The co-payer's ledger for this child.")
@click.option("--on", type=DATE, help="Settle as of this day (default: today).")
@json_option
@click.pass_context
def ledger_show(
    ctx: click.Context, child_id: int, copayer_id: int | None, on: datetime | None, as_json: bool
) -> None:
    """A payer's entries with the running balance, the dues, and where to pay."""
    with refused_as_errors():
        state = ledger.payer_state(database_from(ctx), child_id, on.date() if on else _today(ctx), copayer_id)
    if as_json:
        echo_json(state_json(state))
        return
    child = state.child
    click.echo(f"{child['last_name']} {child['first_name']} ({reference(child['id'])})")
    if state.account:
        click.echo(f"Rachunek do wpłat: {printed(state.account)}")
    for line in state.lines:
        e = line.entry
        click.echo(f"{e.booked_on}  {e.description:<50} {pln(e.amount):>14} {pln(line.balance):>14}")
    for due in state.settlement.dues:
        if due.outstanding:
            click.echo(
                f"due {due.period} by {due.due_on}: {pln(due.outstanding)}, interest {pln(due.interest_now)}"
            )
    click.echo(f"Saldo: {pln(state.balance)}; do zapłaty dziś: {pln(state.settlement.to_pay)}")


def state_json(state: ledger.PayerState) -> dict[str, Any]:
    s = state.settlement
    return {
        "child_id": state.child["id"],
        "copayer_id": state.copayer["id"] if state.copayer else None,
        "reference": reference(state.child["id"]),
        "account": state.account,
        "balance": state.balance,
        "to_pay": s.to_pay,
        "credit": s.credit,
        "interest_now": s.interest_now,
        "entries": [{**asdict(line.entry), "balance": line.balance} for line in state.lines],
        "dues": [{**asdict(due), "outstanding": due.outstanding} for due in s.dues],
    }


@ledger_group.command("arrears")
@click.option("--group", "group_name", help="Only this group.")
@click.option("--on", type=DATE, help="As of this day (default: today).")
@json_option
@click.pass_context
def ledger_arrears(ctx: click.Context, group_name: str | None, on: datetime | None, as_json: bool) -> None:
    """Payers with a month unpaid after its due day, with the interest owed."""
    db = database_from(ctx)
    with refused_as_errors():
        group_id = registry.find_group(db, group_name)["id"] if group_name else None
        found = ledger.arrears(db, on.date() if on else _today(ctx), group_id)
    rows = [
        {
            **{key: value for key, value in asdict(a).items() if key != "child"},
            "child_id": a.child["id"],
            "child": f"{a.child['last_name']} {a.child['first_name']}",
            "group": a.child["group_name"],
        }
        for a in found
    ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        payer = f" (co-payer {r['copayer_id']})" if r["copayer_id"] else ""
        click.echo(
            f"{r['group']:<12} {r['child']:<30}{payer} {pln(r['overdue']):>14} "
            f"+ {pln(r['interest'])} odsetek, {r['days_late']} dni po {r['oldest_due']}"
        )
    if not rows:
        click.echo("No arrears.")


@ledger_group.command("settings")
@click.option("--due-day", help="Day of the next month by which a month is paid (1–28).")
@click.option("--account-prefix", help="The bank's prefix for virtual accounts (8–20 digits).")
@click.option("--interest-threshold", help="Grosze of interest not charged (art. 54 § 1 pkt 5).")
@author_option
@json_option
@click.pass_context
def ledger_settings(ctx: click.Context, author: str, as_json: bool, **values: str | None) -> None:
    """Show the money settings, or change those given."""
    db = database_from(ctx)
    changed = {key: value for key, value in values.items() if value is not None}
    with refused_as_errors():
        current = (
            money_settings.set_values(db, changed, author=author) if changed else money_settings.load(db)
        )
    data = {**asdict(current), "rates": [asdict(rate) for rate in current.rates]}
    if as_json:
        echo_json(data)
        return
    click.echo(
        f"due day {current.due_day}; account prefix {current.account_prefix or '(not set)'}; "
        f"interest threshold {pln(current.interest_threshold)}"
    )
    for rate in current.rates:
        click.echo(f"interest from {rate.valid_from}: {rate.basis_points / 100:.2f} %")


@ledger_group.command("set-interest-rate")
@click.option("--from", "valid_from", type=DATE, required=True)
@click.option("--percent", required=True, help="Yearly rate, e.g. 10,5.")
@click.option("--basis", default="", help="Where it was published.")
@author_option
@click.pass_context
def ledger_set_rate(ctx: click.Context, valid_from: datetime, percent: str, basis: str, author: str) -> None:
    """Add the interest rate for arrears in force from a day (art. 56 Ordynacji podatkowej)."""
    try:
        basis_points = round(float(percent.replace(",", ".")) * 100)
    except ValueError:
        raise click.BadParameter(f"{percent!r} is not a percentage") from None
    with refused_as_errors():
        money_settings.set_rate(database_from(ctx), valid_from.date(), basis_points, basis, author=author)
    click.echo(f"Interest {basis_points / 100:.2f} % from {valid_from.date()}.")


@ledger_group.command("add-copayer")
@click.argument("name")
@click.option("--kind", type=click.Choice(copayers.KINDS), default="welfare", show_default=True)
@author_option
@click.pass_context
def ledger_add_copayer(ctx: click.Context, name: str, kind: str, author: str) -> None:
    """Add a co-payer (MOPS/OPS, an employer)."""
    with refused_as_errors():
        row = copayers.add_copayer(database_from(ctx), name, kind, author=author)
    click.echo(f"Co-payer {row['id']}: {row['name']}.")


@ledger_group.command("add-share")
@click.argument("copayer_id", type=int)
@click.argument("child_id", type=int)
@click.option("--percent", type=float, help="The co-payer's share of the month's charges, in percent.")
@click.option("--amount", help="Or a fixed amount a month, in złoty (e.g. 150,00).")
@click.option("--from", "valid_from", type=DATE, required=True)
@click.option("--to", "valid_to", type=DATE)
@author_option
@click.pass_context
def ledger_add_share(
    ctx: click.Context,
    copayer_id: int,
    child_id: int,
    percent: float | None,
    amount: str | None,
    valid_from: datetime,
    valid_to: datetime | None,
    author: str,
) -> None:
    """Bill a share of a child's monthly charges to a co-payer, from–to (months closed after)."""
    try:
        grosze = to_grosz(Decimal(amount.replace(",", "."))) if amount else None
    except (InvalidOperation, ValueError):
        raise click.BadParameter(f"{amount!r} is not an amount in złoty") from None
    with refused_as_errors():
        copayers.add_share(
            database_from(ctx),
            copayer_id,
            child_id,
            percent_bp=round(percent * 100) if percent else None,
            amount=grosze,
            valid_from=valid_from.date(),
            valid_to=valid_to.date() if valid_to else None,
            author=author,
        )
    click.echo("Share added.")


@ledger_group.command("book")
@click.argument("kind", type=click.Choice(sorted(ledger.MANUAL_KINDS)))
@click.argument("child_id", type=int)
@click.argument("amount")
@click.option("--on", type=DATE, help="The day it counts from (default: today).")
@click.option("--reason", required=True, help="The receipt, decision or transfer it rests on.")
@click.option("--copayer", "copayer_id", type=int, help="On a co-payer's ledger for this child.")
@author_option
@click.pass_context
def ledger_book(ctx: click.Context, kind: str, child_id: int, amount: str, on: datetime | None, reason: str,
                copayer_id: int | None, author: str) -> None:  # fmt: skip
    """Book a payment at the cash desk, a write-off or a payout of an overpayment (AMOUNT in złoty)."""
    try:
        grosze = to_grosz(Decimal(amount.replace(",", ".")))
    except (InvalidOperation, ValueError):
        raise click.BadParameter(f"{amount!r} is not an amount in złoty") from None
    with refused_as_errors():
        ledger.book(database_from(ctx), child_id, kind, grosze, on.date() if on else _today(ctx), reason,
                    author=author, copayer_id=copayer_id)  # fmt: skip
    click.echo(f"Booked {kind} {pln(grosze)} for child {child_id}.")


@click.group("payments")
def payments_group() -> None:
    """Bank statements: import (MT940 or CSV), unmatched transfers, assigning them."""


def load_profile(path: Path) -> CsvProfile:
    """A CSV column profile from a TOML file: the keys of `CsvProfile`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.BadParameter(f"cannot read the profile {path}: {exc}") from None
    known = {f.name for f in fields(CsvProfile)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise click.BadParameter(f"unknown profile key {unknown[0]!r}; known: {', '.join(sorted(known))}")
    try:
        return CsvProfile(**{**asdict(GENERIC), **data})
    except TypeError as exc:
        raise click.BadParameter(str(exc)) from None


@payments_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["mt940", "csv"]), help="Default: recognised from the file."
)
@click.option(
    "--profile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The bank's CSV column profile (TOML).",
)
@author_option
@json_option
@click.pass_context
def payments_import(
    ctx: click.Context, file: Path, fmt: str | None, profile: Path | None, author: str, as_json: bool
) -> None:
    """Import FILE: new transfers matched and posted; a bad file refused whole, with its line."""
    chosen = load_profile(profile) if profile else GENERIC
    with refused_as_errors():
        result = payments.import_file(
            database_from(ctx),
            file.read_bytes(),
            file_name=file.name,
            author=author,
            fmt="mt940" if fmt == "mt940" else "csv" if fmt == "csv" else None,
            profile=chosen,
        )
    if as_json:
        echo_json(asdict(result))
        return
    click.echo(
        f"{result.new} new transfers ({result.matched} matched, {result.unmatched} to assign), "
        f"{result.already} already imported, {result.debits} debits left out."
    )


@payments_group.command("unmatched")
@json_option
@click.pass_context
def payments_unmatched(ctx: click.Context, as_json: bool) -> None:
    """Transfers that matched nobody, waiting to be assigned."""
    rows = bank.transfers(database_from(ctx), unmatched=True)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(
            f"#{r['id']:<6} {r['booked_on']} {pln(r['amount']):>14}  {r['counterparty']}: {r['title']}"
        )
    if not rows:
        click.echo("Every transfer is assigned.")


@payments_group.command("assign")
@click.argument("transfer_id", type=int)
@click.argument("child_id", type=int)
@click.option("--copayer", "copayer_id", type=int, help="A co-payer's payment for this child.")
@author_option
@click.pass_context
def payments_assign(
    ctx: click.Context, transfer_id: int, child_id: int, copayer_id: int | None, author: str
) -> None:
    """Assign transfer TRANSFER_ID to child CHILD_ID's ledger (one step)."""
    with refused_as_errors():
        payments.assign(database_from(ctx), transfer_id, child_id, author=author, copayer_id=copayer_id)
    click.echo(f"Transfer {transfer_id} assigned to child {child_id}.")
