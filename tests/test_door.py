"""The door without a browser: each child's state at the door (the rule and from storage),
who is missing, the grid's corrections, kiosk records in the days and the log, and the
kiosk PINs' limits (issue 14)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from hub.accounts import accounts, kiosk_pins, passwords
from hub.refusal import Refusal
from hub.rules.attendance import DEFAULT_SETTINGS, compute_day, door_state, local_instant
from hub.services import days, door
from hub.services.acks import AckClassifier
from hub.store import absences, corrections, kiosk, registry, site_settings, taps
from hub.store.taps import TapRow
from hub.timefmt import to_db
from tests.journal_support import ANIA_CARD, give_cards, local, store_tap
from tests.pages_support import Site
from tests.services.test_acks import START as ACK_START
from tests.services.test_acks import UIDS as ACK_UIDS
from tests.services.test_acks import full_computation
from tests.services.test_acks import site as ack_site
from tests.web_support import add_account

WEDNESDAY = date(2026, 11, 18)
SATURDAY = date(2026, 11, 21)
PHONE = "+48 600 100 200"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_instant(day, time(hour, minute), DEFAULT_SETTINGS.tz)


# -- the rule ------------------------------------------------------------------------------


def state(day: date, now: datetime, *, reported: bool = False, **inputs: object) -> str:
    result = compute_day(1, day, inputs.get("taps", ()), inputs.get("fixes", ()), now=now)  # type: ignore[arg-type]
    clock = now.astimezone(DEFAULT_SETTINGS.tz).time()
    return door_state(result, now, reported_absent=reported, missing_from=time(9), local_clock=clock)


def test_a_child_with_nothing_is_expected_before_the_hour_and_missing_from_it() -> None:
    assert state(WEDNESDAY, at(WEDNESDAY, 8, 59)) == "expected"
    assert state(WEDNESDAY, at(WEDNESDAY, 9, 0)) == "missing"


def test_a_reported_absence_a_day_off_and_an_arrival_decide_before_the_hour() -> None:
    assert state(WEDNESDAY, at(WEDNESDAY, 10), reported=True) == "absent"
    assert state(SATURDAY, at(SATURDAY, 10)) == "day_off"


# -- from storage --------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site.make(tmp_path)
    with site.db() as db:
        give_cards(db, site.settings, site.ania, site.olek)
    return site


def test_the_grid_shows_in_left_absent_and_missing_from_taps_corrections_and_reports(site: Site) -> None:
    db = site.db()
    tomek = registry.add_child(
        db, first_name="Tomek", last_name="Lis", group=site.motylki, active_from="2026-09-01", author="t"
    )["id"]
    zosia = registry.add_child(
        db, first_name="Zosia", last_name="Ćwik", group=site.motylki, active_from="2026-09-01", author="t"
    )["id"]
    store_tap(db, 1, ANIA_CARD, local(site.settings, WEDNESDAY, time(7, 40)))
    corrections.add_correction(
        db, child_id=tomek, day=WEDNESDAY, kind="add_arrival", reason="bez karty", author="t",
        at=at(WEDNESDAY, 7, 50),
    )  # fmt: skip
    corrections.add_correction(
        db, child_id=tomek, day=WEDNESDAY, kind="add_departure", reason="bez karty", author="t",
        at=at(WEDNESDAY, 9, 10),
    )  # fmt: skip
    absences.report_absence(db, child_id=zosia, first=WEDNESDAY, last=WEDNESDAY, reported_by="mama")
    extra = registry.add_child(
        db, first_name="Jaś", last_name="Żak", group=site.motylki, active_from="2026-09-01", author="t"
    )["id"]
    states = {
        entry.child["id"]: entry.state
        for entry in door.group_at_door(db, site.settings, site.motylki, at(WEDNESDAY, 9, 30))
    }
    assert states == {site.ania: "in", tomek: "left", zosia: "absent", extra: "missing"}
    missing = door.missing_now(db, site.settings, at(WEDNESDAY, 9, 30))
    assert {entry.child["id"] for entry in missing} == {extra, site.olek}
    site_settings.set_value(db, "missing_from", "10:00", author="t")
    assert door.missing_now(db, site.settings, at(WEDNESDAY, 9, 30)) == []
    assert door.missing_now(db, site.settings, at(SATURDAY, 10, 30)) == []  # a day off: nobody expected


def test_the_hour_must_be_a_time(site: Site) -> None:
    with site.db() as db, pytest.raises(Refusal):
        site_settings.set_value(db, "missing_from", "dziewiąta", author="t")
    with site.db() as db:
        assert site_settings.missing_from(db) == time(9)


def test_a_grid_tap_is_a_correction_of_today_with_its_reason_and_author(site: Site) -> None:
    db = site.db()
    moment = at(WEDNESDAY, 7, 45)
    door.record_at_door(
        db, site.settings, group_id=site.motylki, child_id=site.ania, action="came", reason="przy drzwiach",
        author="nauczycielka@p11.example.pl", now=moment,
    )  # fmt: skip
    [fix] = corrections.corrections_for(db, WEDNESDAY, [site.ania])
    assert (fix.kind, fix.at, fix.reason, fix.author) == (
        "add_arrival",
        moment,
        "przy drzwiach",
        "nauczycielka@p11.example.pl",
    )
    door.record_at_door(
        db, site.settings, group_id=site.motylki, child_id=site.ania, action="absent", reason="x",
        author="n", now=moment,
    )  # fmt: skip
    assert corrections.corrections_for(db, WEDNESDAY, [site.ania])[-1].kind == "mark_absent"


@pytest.mark.parametrize(
    ("action", "group", "code"),
    [
        ("fly", "motylki", "door.action"),
        ("came", "zabki", "door.not_in_group"),
        ("", "motylki", "door.action"),
    ],
)
def test_a_grid_tap_refused_stores_nothing(site: Site, action: str, group: str, code: str) -> None:
    db = site.db()
    with pytest.raises(Refusal) as refused:
        door.record_at_door(
            db, site.settings, group_id=getattr(site, group), child_id=site.ania, action=action, reason="r",
            author="n", now=at(WEDNESDAY, 8),
        )  # fmt: skip
    assert refused.value.code == code
    assert corrections.corrections_for(db, WEDNESDAY, [site.ania]) == []


def test_guardian_phones_list_only_guardians_with_a_number(site: Site) -> None:
    db = site.db()
    registry.add_guardian(
        db, name="Jan Kowalski", phone=PHONE, children=[site.ania], relation="tata", author="t"
    )
    assert door.guardian_phones(db, [site.ania]) == [
        {"child": "Ania Kowalska", "guardian": "Jan Kowalski", "relation": "tata", "phone": PHONE}
    ]


# -- the kiosk -----------------------------------------------------------------------------


@pytest.fixture
def kiosk_site(site: Site) -> tuple[Site, int, int]:
    """The site with a kiosk account and Ania's father, whose PIN is 4826."""
    kiosk_id = add_account(site.settings.database, "kiosk", email="kiosk@p11.example.pl")["id"]
    with site.db() as db:
        father = registry.add_guardian(
            db, name="Jan Kowalski", phone=PHONE, children=[site.ania], relation="tata", author="t"
        )["id"]
        kiosk_pins.set_pin(db, father, "4826", author="sekretariat")
    return site, kiosk_id, father


@pytest.mark.parametrize(
    ("pin", "code"),
    [("12", "kiosk.pin_format"), ("12a4", "kiosk.pin_format"), ("1234", "kiosk.pin_easy"),
     ("7777", "kiosk.pin_easy"), ("987654", "kiosk.pin_easy"), ("١٢٣٤", "kiosk.pin_format")],
)  # fmt: skip
def test_a_pin_too_short_too_easy_or_not_digits_is_refused(
    kiosk_site: tuple[Site, int, int], pin: str, code: str
) -> None:
    site, _kiosk, father = kiosk_site
    with site.db() as db, pytest.raises(Refusal) as refused:
        kiosk_pins.set_pin(db, father, pin, author="t")
    assert refused.value.code == code


def test_a_pin_needs_a_phone_number(site: Site) -> None:
    with site.db() as db:
        nophone = registry.add_guardian(db, name="Ewa Nowak", children=[site.ania], author="t")["id"]
        with pytest.raises(Refusal) as refused:
            kiosk_pins.set_pin(db, nophone, "4826", author="t")
    assert refused.value.code == "kiosk.no_phone"


def test_a_right_pin_records_an_arrival_that_counts_like_a_tap_held_by_the_guardian(
    kiosk_site: tuple[Site, int, int],
) -> None:
    site, kiosk_id, _father = kiosk_site
    db = site.db()
    opened = kiosk_pins.open_pass(
        db, kiosk_id=kiosk_id, phone="600-100-200", pin="4826", now=at(WEDNESDAY, 7, 40)
    )
    assert [child["id"] for child in opened.children] == [site.ania]
    kiosk_pins.record(
        db, kiosk_id=kiosk_id, kiosk_login="kiosk@p11.example.pl", token=opened.token, child_id=site.ania,
        direction="in", now=at(WEDNESDAY, 7, 41),
    )  # fmt: skip
    [ania] = days.compute_days(db, site.settings, WEDNESDAY, child_id=site.ania, now=at(WEDNESDAY, 12))
    [visit] = ania.result.visits
    assert visit.arrival is not None and visit.departure is None
    assert (visit.arrival.at, visit.arrival.card_holder) == (at(WEDNESDAY, 7, 41), "Jan Kowalski")
    assert kiosk.is_kiosk_reader(visit.arrival.tap.reader_id)  # type: ignore[union-attr]
    # A card's toggle tap after it is the departure, as after a card's arrival
    store_tap(db, 5, ANIA_CARD, at(WEDNESDAY, 15, 30))
    [ania] = days.compute_days(db, site.settings, WEDNESDAY, child_id=site.ania, now=at(WEDNESDAY, 18))
    assert [(v.arrival.at, v.departure.at) for v in ania.result.visits] == [  # type: ignore[union-attr]
        (at(WEDNESDAY, 7, 41), at(WEDNESDAY, 15, 30))
    ]
    [month] = [child_days for _day, child_days in days.compute_range(
        db, site.settings, WEDNESDAY, WEDNESDAY, [registry.get_child(db, site.ania)], now=at(WEDNESDAY, 18)
    )]  # fmt: skip
    assert month[0].result == ania.result  # the month's reading agrees with the day's
    # Reviewed in the inconsistency log until a teacher marks it
    items = days.inconsistencies(db, site.settings, WEDNESDAY, WEDNESDAY, group_id=site.motylki)
    [item] = [item for item in items if item.kind == "kiosk_record"]
    kiosk.mark_reviewed(db, item.taps[0].seq, author="nauczycielka")
    items = days.inconsistencies(db, site.settings, WEDNESDAY, WEDNESDAY, group_id=site.motylki)
    assert [item for item in items if item.kind == "kiosk_record"] == []


def test_five_wrong_pins_lock_the_pin_even_against_the_right_one_for_a_while(
    kiosk_site: tuple[Site, int, int],
) -> None:
    site, kiosk_id, father = kiosk_site
    db = site.db()
    moment = at(WEDNESDAY, 7, 30)
    codes = []
    for attempt in range(kiosk_pins.LOCK_AFTER):
        with pytest.raises(Refusal) as refused:
            kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin=f"135{attempt}", now=moment)
        codes.append(refused.value.code)
    assert codes == ["kiosk.wrong"] * 4 + ["kiosk.locked"]
    with pytest.raises(Refusal) as refused:
        kiosk_pins.open_pass(
            db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=moment + timedelta(minutes=1)
        )
    assert refused.value.code == "kiosk.locked"
    assert kiosk_pins.pin_state(db, father, now=moment)["locked_until"]  # type: ignore[index]
    later = moment + timedelta(minutes=kiosk_pins.LOCK_MINUTES + 1)
    assert (
        kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=later).guardian["id"]
        == father
    )


def test_wrong_pins_tried_at_the_same_time_each_count_towards_the_lock(
    kiosk_site: tuple[Site, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An attacker sends many guesses at once: each is being checked (argon2 takes a while)
    while the next arrives on another connection. Every guess must count, so no more than
    LOCK_AFTER of them are ever checked and the right PIN is locked after them."""
    site, kiosk_id, _father = kiosk_site
    moment = at(WEDNESDAY, 7, 30)
    real_verify = passwords.verify
    guesses = [f"13{n:02d}" for n in range(3 * kiosk_pins.LOCK_AFTER)]
    checked: list[str] = []
    codes: list[str] = []

    def guess(pin: str) -> None:
        with site.db() as db:
            try:
                kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin=pin, now=moment)
            except Refusal as refused:
                codes.append(refused.code)

    def verify_while_the_next_guess_arrives(stored: str, pin: str) -> bool:
        checked.append(pin)
        if guesses:
            guess(guesses.pop())
        return real_verify(stored, pin)

    monkeypatch.setattr(passwords, "verify", verify_while_the_next_guess_arrives)
    guess(guesses.pop())
    assert len(checked) <= kiosk_pins.LOCK_AFTER
    assert "kiosk.locked" in codes
    with site.db() as db, pytest.raises(Refusal) as refused:
        kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=moment)
    assert refused.value.code == "kiosk.locked"


def test_guesses_at_the_same_time_cannot_pass_the_kiosks_limit(
    kiosk_site: tuple[Site, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spraying one PIN over many phones at once: the kiosk's limit counts the guesses
    still being checked."""
    site, kiosk_id, _father = kiosk_site
    moment = at(WEDNESDAY, 7, 30)
    real_verify = passwords.verify
    phones = [f"700 000 {n:03d}" for n in range(2 * kiosk_pins.KIOSK_FAILURES)]
    checked: list[str] = []

    def guess(phone: str) -> None:
        with site.db() as db, contextlib.suppress(Refusal):
            kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=phone, pin="2468", now=moment)

    def verify_while_the_next_guess_arrives(stored: str, pin: str) -> bool:
        checked.append(pin)
        if phones:
            guess(phones.pop())
        return real_verify(stored, pin)

    monkeypatch.setattr(passwords, "verify", verify_while_the_next_guess_arrives)
    guess(phones.pop())
    assert len(checked) <= kiosk_pins.KIOSK_FAILURES


def test_a_kiosk_that_meets_too_many_wrong_pins_stops_taking_any(kiosk_site: tuple[Site, int, int]) -> None:
    site, kiosk_id, _father = kiosk_site
    db = site.db()
    moment = at(WEDNESDAY, 7, 30)
    for attempt in range(kiosk_pins.KIOSK_FAILURES):
        with pytest.raises(Refusal):
            kiosk_pins.open_pass(
                db, kiosk_id=kiosk_id, phone=f"700 000 {attempt:03d}", pin="2468", now=moment
            )
    with pytest.raises(Refusal) as refused:
        kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=moment)
    assert refused.value.code == "kiosk.busy"
    later = moment + timedelta(minutes=kiosk_pins.KIOSK_WINDOW_MINUTES + 1)
    assert kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=later)


def test_a_pass_opens_only_the_guardians_children_only_for_a_while_and_ends_when_done(
    kiosk_site: tuple[Site, int, int],
) -> None:
    site, kiosk_id, _father = kiosk_site
    db = site.db()
    moment = at(WEDNESDAY, 7, 30)
    opened = kiosk_pins.open_pass(db, kiosk_id=kiosk_id, phone=PHONE, pin="4826", now=moment)
    base = {"kiosk_id": kiosk_id, "kiosk_login": "k", "token": opened.token, "direction": "in"}
    refusals = []
    for change in (
        {"child_id": site.olek},  # another family's child
        {"child_id": site.ania, "direction": "sideways"},
        {"child_id": site.ania, "token": "forged"},
        {"child_id": site.ania, "kiosk_id": kiosk_id + 1000},  # another kiosk's pass
    ):
        with pytest.raises(Refusal) as refused:
            kiosk_pins.record(db, **{**base, **change}, now=moment)  # type: ignore[arg-type]
        refusals.append(refused.value.code)
    assert refusals == ["kiosk.not_own_child", "kiosk.direction", "kiosk.pass_expired", "kiosk.pass_expired"]
    late = moment + timedelta(seconds=kiosk_pins.PASS_SECONDS)
    with pytest.raises(Refusal):
        kiosk_pins.record(db, **base, child_id=site.ania, now=late)  # type: ignore[arg-type]
    kiosk_pins.close_pass(db, kiosk_id=kiosk_id, token=opened.token)
    with pytest.raises(Refusal):
        kiosk_pins.record(db, **base, child_id=site.ania, now=moment)  # type: ignore[arg-type]
    assert kiosk.records_between(db, "2000", "2100") == []


def test_a_readers_answer_after_a_kiosk_record_is_the_whole_days() -> None:
    """The reader's ack keeps a walk of the day's card taps; a kiosk record (written by the
    web's connection) must end it, so the next toggle tap is answered as the day reads it."""
    with ack_site() as (config, db, other, ids):
        classifier = AckClassifier(config)
        kiosk_id = accounts.add_user(
            other, email="kiosk@p11.example.pl", name="Kiosk", role="kiosk", author="t"
        )[0]["id"]
        father = registry.add_guardian(other, name="Jan Nowak", children=[ids["ania"]], author="t")["id"]
        moment = ACK_START + timedelta(hours=7)
        answers = []
        for seq, (minutes, record) in enumerate(
            [(0, None), (10, "out"), (20, None), (30, "out"), (31, None)], 1
        ):
            at = moment + timedelta(minutes=minutes)
            if record:
                kiosk.record(
                    other, kiosk_id=kiosk_id, kiosk_login="k", guardian_id=father, child_id=ids["ania"],
                    direction=record, now=at,
                )  # fmt: skip
                continue
            row = TapRow("hall", seq, ACK_UIDS["ania"], 1, 0, None, None, to_db(at), to_db(at), "clock")
            with db.atomic():
                taps.insert_new(db, [row])
                answers.append(classifier(db, row))
                assert answers[-1] == full_computation(db, config, row), seq
        assert [ack for ack, _name in answers] == ["in", "in", "in"]  # each after a departure


def test_a_child_marked_absent_who_comes_after_all_is_in(site: Site) -> None:
    db = site.db()
    for action, minute in (("absent", 0), ("came", 30)):
        door.record_at_door(
            db, site.settings, group_id=site.motylki, child_id=site.ania, action=action, reason="drzwi",
            author="n", now=at(WEDNESDAY, 8, minute),
        )  # fmt: skip
    [entry] = [
        e
        for e in door.group_at_door(db, site.settings, site.motylki, at(WEDNESDAY, 9))
        if e.child["id"] == site.ania
    ]
    assert entry.state == "in"
    assert [fix.kind for fix in corrections.corrections_for(db, WEDNESDAY, [site.ania])] == [
        "mark_absent", "mark_present", "add_arrival"
    ]  # fmt: skip


def test_a_wrong_kiosk_record_is_cancelled_like_a_tap(kiosk_site: tuple[Site, int, int]) -> None:
    site, kiosk_id, father = kiosk_site
    db = site.db()
    row = kiosk.record(
        db, kiosk_id=kiosk_id, kiosk_login="k", guardian_id=father, child_id=site.ania, direction="in",
        now=at(WEDNESDAY, 7, 40),
    )  # fmt: skip
    corrections.add_correction(
        db, child_id=site.ania, day=WEDNESDAY, kind="cancel", reason="to nie ten dzień", author="n",
        target_tap=corrections.parse_tap_id(f"kiosk:{kiosk_id}#{row['id']}"),
    )  # fmt: skip
    [ania] = days.compute_days(db, site.settings, WEDNESDAY, child_id=site.ania, now=at(WEDNESDAY, 12))
    assert ania.result.visits == ()
    with pytest.raises(Refusal):  # a record that is not there, or another kiosk's
        corrections.add_correction(
            db, child_id=site.ania, day=WEDNESDAY, kind="cancel", reason="r", author="n",
            target_tap=corrections.parse_tap_id(f"kiosk:{kiosk_id + 1}#{row['id']}"),
        )  # fmt: skip
