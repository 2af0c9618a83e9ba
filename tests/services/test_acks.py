"""The ack classifier answers every tap exactly as computing the child's whole day does, while
it extends a kept walk of the day for taps that come in order (hub/services/acks.py).

Generated histories on a real database: taps of one child's two cards, another child's and
an unknown card on readers in every mode, in batches (as ingest inserts them) mostly in
order with jumps back; corrections, reader mode changes, card revocations and debounce
changes written on the classifier's own connection or on another one; batches rolled back
and their sequence numbers reused by different taps. After every batch insert each new tap
is classified by the classifier and by the full computation (the classifier as it was
before the walk), in the same transaction, and the answers must be equal."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from hub.config import Settings
from hub.rules.attendance import TapId
from hub.services import acks
from hub.services.acks import AckClassifier, ack_of
from hub.services.days import compute_days
from hub.store import cards, corrections, readers, registry, site_settings, taps
from hub.store.db import connect, open_database
from hub.store.taps import TapRow
from hub.timefmt import from_db, to_db

DAY = date(2026, 11, 18)
START = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)  # midnight in Warsaw
READERS = {"door": "in", "hall": "toggle", "gate": "out"}
UIDS = {"ania": "04A1A1A1", "ania2": "04A2A2A2", "bartek": "04B1B1B1", "nobody": "04FFFFFF"}


def full_computation(db: Database, settings: Settings, tap: TapRow) -> tuple[str, str]:
    """The classifier before the walk: the tap's outcome in the child's whole day."""
    instant = tap.at or tap.received_at
    card = cards.child_for_tap(db, tap.uid, instant)
    if card is None:
        return "unknown", ""
    child = registry.get_child(db, card["child_id"])
    moment = from_db(instant)
    [child_day] = compute_days(db, settings, moment.astimezone(settings.tz).date(), child_id=child["id"])
    return ack_of(child_day.result, TapId(tap.reader_id, tap.seq), moment), registry.short_name(child)


def answer(classify: Callable[[Database, TapRow], tuple[str, str]], db: Database, tap: TapRow) -> Any:
    """What ingest sends: the answer, or the fact that classifying failed."""
    try:
        return classify(db, tap)
    except Exception as exc:  # ingest answers "unknown" then; both must fail alike
        return type(exc).__name__


@contextmanager
def site() -> Iterator[tuple[Settings, Database, Database, dict[str, int]]]:
    """A kindergarten with two children (Ania has two cards), three readers and a
    connection for ingest and one for everyone else."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hub.db"
        db = open_database(path)
        for reader_id, mode in READERS.items():
            readers.add_reader(db, reader_id, reader_id, mode)
        registry.add_group(db, "Motylki", author="test")
        ids = {}
        for name in ("Ania", "Bartek"):
            child = registry.add_child(
                db,
                first_name=name,
                last_name="Nowak",
                group="Motylki",
                active_from="2026-09-01",
                author="test",
            )
            ids[name.lower()] = child["id"]
        config = Settings(database=path, site="test")
        for key, child in (("ania", "ania"), ("ania2", "ania"), ("bartek", "bartek")):
            cards.assign_card_from_day(
                db, uid=UIDS[key], child_id=ids[child], author="test", day=date(2026, 9, 1), tz=config.tz
            )
        other = connect(path)
        try:
            yield config, db, other, ids
        finally:
            other.close()
            db.close()


tap_draws = st.tuples(
    st.sampled_from(["ania"] * 4 + ["ania2"] * 2 + ["bartek", "nobody"]),
    st.sampled_from(list(READERS)),
    st.one_of(  # seconds after the previous tap: mostly on, at times exactly a window, or back
        st.integers(0, 90), st.sampled_from([0, 1, 30, 60, 300]), st.integers(-400, 400)
    ),
    st.sampled_from([0, 0, 3]),  # milliseconds
    st.sampled_from(["clock"] * 5 + ["unknown"]),
)
CORRECTIONS = ["add_arrival", "cancel", "mark_absent", "revoke"]
MODES = ["in", "out", "toggle"]
here = st.booleans()
"""Whether a write is made on the classifier's own connection (else on another one)."""
batches = st.tuples(st.just("batch"), st.lists(tap_draws, min_size=1, max_size=6), st.booleans())
one_by_one = st.tuples(st.just("batch"), st.lists(tap_draws, min_size=1, max_size=1), st.just(False))
operations = st.one_of(
    batches, batches, one_by_one, one_by_one, one_by_one, one_by_one,
    st.tuples(st.just("correction"), st.sampled_from(CORRECTIONS), here),
    st.tuples(st.just("mode"), st.sampled_from(list(READERS)), st.sampled_from(MODES), here),
    st.tuples(st.just("debounce"), st.sampled_from(["0", "1", "60", "300"]), here),
    st.tuples(st.just("revoke_card"), here),
    st.tuples(st.just("rename"), st.sampled_from(["Ania", "Zosia"]), here),
    st.tuples(st.just("next_day"),),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(operations, min_size=1, max_size=30))
def test_every_ack_equals_the_full_computations(history: list[tuple[Any, ...]]) -> None:
    with site() as (config, db, other, ids):
        classifier = AckClassifier(config)
        seqs = dict.fromkeys(READERS, 0)
        clock = START + timedelta(hours=7)
        stored: list[TapRow] = []
        for operation in history:
            kind = operation[0]
            if kind == "batch":
                _, draws, roll_back = operation
                batch = []
                for uid, reader_id, step, ms, quality in draws:
                    clock += timedelta(seconds=step, milliseconds=ms)
                    seqs[reader_id] += 1
                    at = to_db(clock)
                    batch.append(
                        TapRow(reader_id, seqs[reader_id], UIDS[uid], 1, 0, None, None, at,
                               at if quality == "clock" else None, quality)
                    )  # fmt: skip
                try:
                    with db.atomic():
                        new = taps.insert_new(db, batch)
                        for row, is_new in zip(batch, new, strict=True):
                            if is_new:
                                expected = answer(lambda d, t: full_computation(d, config, t), db, row)
                                assert answer(classifier, db, row) == expected, row
                        readers.touch(db, batch[0].reader_id, clock)  # as ingest does
                        if roll_back:
                            raise RuntimeError("the disk is full")
                    stored += [row for row, is_new in zip(batch, new, strict=True) if is_new]
                except RuntimeError:
                    for row in batch:  # a retry with other taps under the same numbers
                        seqs[row.reader_id] -= 1
            elif kind == "correction":
                _, what, here = operation
                write = db if here else other
                moment = clock - timedelta(minutes=3)
                if what == "revoke":
                    last = write.execute(
                        "SELECT max(id) FROM corrections WHERE revoked_at IS NULL"
                    ).fetchone()[0]
                    if last:
                        corrections.revoke_correction(write, last, author="test", reason="pomyłka")
                    continue
                target = next(
                    (TapId(t.reader_id, t.seq) for t in reversed(stored) if t.uid == UIDS["ania"]), None
                )
                if what == "cancel" and target is None:
                    continue
                corrections.add_correction(
                    write, child_id=ids["ania"], day=moment.astimezone(config.tz).date(), kind=what,
                    reason="test", author="test", at=moment if what == "add_arrival" else None,
                    target_tap=target if what == "cancel" else None,
                )  # fmt: skip
            elif kind == "mode":
                _, reader_id, mode, here = operation
                write = db if here else other
                with write.atomic():  # from a moment already past: earlier taps change meaning
                    write["reader_modes"].insert(
                        {"reader_id": reader_id, "valid_from": to_db(clock - timedelta(minutes=2)),
                         "mode": mode, "changed_by": "test"},
                        replace=True,
                    )  # fmt: skip
            elif kind == "debounce":
                _, value, here = operation
                site_settings.set_value(db if here else other, "debounce_s", value, author="test")
            elif kind == "revoke_card":
                write = db if operation[1] else other
                with write.atomic():  # revoked a while ago: Ania's later taps of it are nobody's
                    write.execute(
                        "UPDATE cards SET revoked_at = ?, revoked_by = 'test', revoke_reason = 'zgubiona' "
                        "WHERE uid = ? AND revoked_at IS NULL",
                        [to_db(clock - timedelta(minutes=1)), UIDS["ania2"]],
                    )
            elif kind == "rename":
                _, name, here = operation
                registry.update_child(db if here else other, ids["ania"], author="test", first_name=name)
            else:
                clock += timedelta(days=1)


def test_in_order_taps_are_classified_without_reading_the_day_again(monkeypatch: pytest.MonkeyPatch) -> None:
    computed = []
    real = acks.compute_day
    monkeypatch.setattr(acks, "compute_day", lambda *args, **kw: computed.append(1) or real(*args, **kw))
    with site() as (config, db, other, _):
        classifier = AckClassifier(config)
        moment = START + timedelta(hours=7)
        steps = [40, 20, 60, 1, 59, 61, 0, 300]  # seconds, around the 60 s debounce window
        for seq in range(1, 301):
            moment += timedelta(seconds=steps[seq % len(steps)])
            at = to_db(moment)
            row = TapRow(
                "door" if seq % 50 == 1 else "hall", seq, UIDS["ania"], 1, 0, None, None, at, at, "clock"
            )
            with db.atomic():
                taps.insert_new(db, [row])
                assert classifier(db, row) == full_computation(db, config, row), seq
                readers.touch(db, "hall", moment)  # ingest's other writes end no walk
        assert len(computed) == 1
        site_settings.set_value(other, "debounce_s", "30", author="test")  # another process
        at = to_db(moment + timedelta(seconds=40))
        row = TapRow("hall", 301, UIDS["ania"], 1, 0, None, None, at, at, "clock")
        with db.atomic():
            taps.insert_new(db, [row])
            assert classifier(db, row) == full_computation(db, config, row)
        assert len(computed) == 2


def test_a_batch_is_classified_from_one_computation_of_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    computed = []
    real = acks.compute_day
    monkeypatch.setattr(acks, "compute_day", lambda *args, **kw: computed.append(1) or real(*args, **kw))
    with site() as (config, db, _, _):
        classifier = AckClassifier(config)
        rows = []
        for seq in range(1, 501):
            at = to_db(START + timedelta(hours=7, seconds=seq))
            rows.append(TapRow("door", seq, UIDS["ania"], 1, 0, None, None, at, at, "clock"))
        rows.reverse()  # the reader sends its backlog newest first: out of order
        with db.atomic():
            taps.insert_new(db, rows)
            answers = [classifier(db, row) for row in rows]
            assert answers == [full_computation(db, config, row) for row in rows]
        assert len(computed) == 1


def revoke_second_card(db: Database, moment: datetime) -> None:
    with db.atomic():
        db.execute(
            "UPDATE cards SET revoked_at = ?, revoked_by = 'test', revoke_reason = 'zgubiona' WHERE uid = ?",
            [to_db(moment), UIDS["ania2"]],
        )


def mark_absent(db: Database, moment: datetime) -> None:
    corrections.add_correction(
        db, child_id=1, day=DAY, kind="mark_absent", reason="chora", author="test"
    )  # fmt: skip


def reader_mode(db: Database, moment: datetime) -> None:
    with db.atomic():
        db["reader_modes"].insert(
            {"reader_id": "hall", "valid_from": to_db(moment - timedelta(minutes=10)), "mode": "in",
             "changed_by": "test"}
        )  # fmt: skip


WRITES = {
    "card revoked": revoke_second_card,
    "child renamed": lambda db, moment: registry.update_child(db, 1, author="test", first_name="Zosia"),
    "correction": mark_absent,
    "reader mode from the past": reader_mode,
    "debounce": lambda db, moment: site_settings.set_value(db, "debounce_s", "1", author="test"),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
@pytest.mark.parametrize("connection", ["ingest's own", "another"])
def test_a_write_to_what_a_day_is_read_from_ends_the_walks(write, connection: str) -> None:
    with site() as (config, db, other, ids):
        assert ids["ania"] == 1
        classifier = AckClassifier(config)
        moment = START + timedelta(hours=7)
        for seq in range(1, 9):
            moment += timedelta(seconds=45)
            at = to_db(moment)
            row = TapRow("hall", seq, UIDS["ania2"], 1, 0, None, None, at, at, "clock")
            with db.atomic():
                taps.insert_new(db, [row])
                expected = answer(lambda d, t: full_computation(d, config, t), db, row)
                assert answer(classifier, db, row) == expected, seq
            if seq == 4:
                write(db if connection == "ingest's own" else other, moment)
