"""Worked examples of who may write to whom and who a reply reaches (hub.rules.messaging).

Anna teaches Motylki (group 3); Ewa is the mother of a child in Motylki; Żabki is group 4."""

from __future__ import annotations

from datetime import date

import pytest

from hub.refusal import Refusal
from hub.rules.messaging import (
    Audience,
    Participant,
    Writer,
    check_audience,
    reply_recipients,
    year_may_close,
)
from hub.rules.school_year import school_year_label, school_year_of

ANNA = Writer(account_id=1, role="teacher", groups=frozenset({3}))
EWA = Writer(account_id=2, role="parent", groups=frozenset({3}))
DIRECTOR = Writer(account_id=5, role="director")
SECRETARY = Writer(account_id=6, role="secretary")
INSPECTOR = Writer(account_id=7, role="inspector")
MOTYLKI, ZABKI = frozenset({3}), frozenset({4})


@pytest.mark.parametrize(
    ("writer", "audience"),
    [
        (ANNA, Audience("group_guardians", 3, MOTYLKI)),
        (ANNA, Audience("guardian", 2, MOTYLKI)),
        (ANNA, Audience("teacher", 9, ZABKI)),
        (ANNA, Audience("group_teachers", 4, ZABKI)),
        (ANNA, Audience("all_staff")),
        (ANNA, Audience("director")),
        (EWA, Audience("teacher", 1, MOTYLKI)),
        (EWA, Audience("group_teachers", 3, MOTYLKI)),
        (EWA, Audience("director")),
        (EWA, Audience("secretary")),
        (EWA, Audience("admin")),
        (DIRECTOR, Audience("all_guardians")),
        (DIRECTOR, Audience("guardian", 4, ZABKI)),
        (SECRETARY, Audience("group_guardians", 4, ZABKI)),
    ],
)
def test_allowed(writer: Writer, audience: Audience) -> None:
    check_audience(writer, audience)


@pytest.mark.parametrize(
    ("writer", "audience", "code"),
    [
        (ANNA, Audience("group_guardians", 4, ZABKI), "message.not_own_group"),
        (ANNA, Audience("guardian", 4, ZABKI), "message.not_own_group"),
        (ANNA, Audience("all_guardians"), "message.audience_not_allowed"),
        (EWA, Audience("guardian", 3, MOTYLKI), "message.parent_to_parent"),
        (EWA, Audience("group_guardians", 3, MOTYLKI), "message.parent_to_parent"),
        (EWA, Audience("all_guardians"), "message.parent_to_parent"),
        (EWA, Audience("teacher", 9, ZABKI), "message.not_childs_teacher"),
        (EWA, Audience("group_teachers", 4, ZABKI), "message.not_childs_teacher"),
        (EWA, Audience("all_staff"), "message.audience_not_allowed"),
        (INSPECTOR, Audience("director"), "message.may_not_write"),
        (DIRECTOR, Audience("everyone"), "message.unknown_audience"),
        (DIRECTOR, Audience("group_guardians"), "message.audience_target_missing"),
    ],
)
def test_refused(writer: Writer, audience: Audience, code: str) -> None:
    with pytest.raises(Refusal) as refused:
        check_audience(writer, audience)
    assert refused.value.code == code


GROUP_MESSAGE = [Participant(2, "group_guardians", True), Participant(3, "group_guardians", True)]
"""Anna's message to "Rodzice grupy Motylki": Ewa (2) and Iza (3)."""


def test_a_parents_reply_to_a_group_message_reaches_only_the_writer() -> None:
    assert reply_recipients(2, True, 1, GROUP_MESSAGE) == [1]


def test_the_writers_follow_up_goes_to_the_whole_audience_again() -> None:
    assert reply_recipients(1, False, 1, GROUP_MESSAGE) == [2, 3]


def test_a_reply_to_a_parents_message_to_a_groups_teachers_reaches_both_teachers() -> None:
    to_teachers = [Participant(1, "group_teachers", False), Participant(8, "group_teachers", False)]
    assert reply_recipients(1, False, 2, to_teachers) == [2, 8]


def test_a_reply_to_an_all_staff_message_goes_to_its_writer_only() -> None:
    everyone = [Participant(account, "all_staff", False) for account in (1, 6, 8)]
    assert reply_recipients(8, False, 5, everyone) == [5]


def test_a_system_message_and_a_stranger_cannot_reply() -> None:
    with pytest.raises(Refusal) as system:
        reply_recipients(2, True, None, GROUP_MESSAGE)
    assert system.value.code == "message.system_no_reply"
    with pytest.raises(Refusal) as stranger:
        reply_recipients(4, True, 1, GROUP_MESSAGE)
    assert stranger.value.code == "message.not_participant"


def test_school_years_start_on_1_september_and_close_after_31_august() -> None:
    assert school_year_label(school_year_of(date(2026, 8, 31))) == "2025/2026"
    assert school_year_label(school_year_of(date(2026, 9, 1))) == "2026/2027"
    assert not year_may_close("2025/2026", date(2026, 8, 31))
    assert year_may_close("2025/2026", date(2026, 9, 1))
    with pytest.raises(Refusal):
        year_may_close("2025/2027", date(2030, 1, 1))
