"""The city's consolidated view in PostgreSQL: its tables, made step by step.

Each step runs once, in order, in its own transaction, recorded in `city_schema_steps`;
the city service and the panel call `migrate` at their start, and any number of them may
start together (an advisory lock lets one make the steps while the others wait).

What a governing body may see, and no more: a child is a site's number with their group,
year of birth and dates in the kindergarten, never a name, address, guardian or card.

- `events`: every event received, once per site and key (the idempotence of the service).
- `sites`, `groups`, `children`, `corrections`: the last state of each thing; a state is
  replaced only by one from a later change (`change_id`, the site's audit id), so events
  applied out of order by several instances end in the same state.
- `taps`: each stored tap with the child its card stood for, once by reader and sequence.
- `child_days`: each child's day as the site's attendance rules read it (arrival,
  departure, minutes, present now), refreshed when a tap or correction for it arrives.
- `statements`: each child's billed month, version by version, as the site closed it.
- `fee_resolutions`: the gmina's fee resolution, dated, set once for all its sites.
- `site_fee_overrides`: what a site has set locally instead, shown as such.
- `site_rules`: each site's opening hours and debounce, as its rules read them (step 2).
- `rejected_events`: each message the service could not read, once by its stream
  sequence, with why and its first bytes, so nothing is lost silently (step 2).
- `officers`, `officer_sessions`: the gmina officers who read the panel; step 3 adds each
  session's CSRF token, the panel's login attempts (`officer_login_attempts`, for the
  per-address limit) and the indexes the panel's aggregates read (`hub.city.panel_queries`).
"""

from __future__ import annotations

from typing import Any

STEPS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE sites (
            site text PRIMARY KEY,
            name text,
            first_event_at timestamptz NOT NULL DEFAULT now(),
            last_event_at timestamptz
        );
        CREATE TABLE events (
            site text NOT NULL,
            key text NOT NULL,
            subject text NOT NULL,
            stream_seq bigint NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            payload jsonb NOT NULL,
            PRIMARY KEY (site, key)
        );
        CREATE TABLE groups (
            site text NOT NULL,
            group_id integer NOT NULL,
            name text NOT NULL,
            change_id bigint NOT NULL,
            PRIMARY KEY (site, group_id)
        );
        CREATE TABLE children (
            site text NOT NULL,
            child_id integer NOT NULL,
            group_id integer,
            birth_year integer,
            active_from date,
            active_to date,
            change_id bigint NOT NULL,
            PRIMARY KEY (site, child_id)
        );
        CREATE TABLE taps (
            site text NOT NULL,
            reader text NOT NULL,
            seq bigint NOT NULL,
            at timestamptz,
            received_at timestamptz NOT NULL,
            time_quality text NOT NULL,
            child_id integer,
            PRIMARY KEY (site, reader, seq)
        );
        CREATE INDEX taps_by_child ON taps (site, child_id, received_at);
        CREATE TABLE corrections (
            site text NOT NULL,
            correction_id integer NOT NULL,
            child_id integer NOT NULL,
            day date NOT NULL,
            type text NOT NULL,
            at timestamptz,
            revoked boolean NOT NULL,
            change_id bigint NOT NULL,
            PRIMARY KEY (site, correction_id)
        );
        CREATE TABLE child_days (
            site text NOT NULL,
            child_id integer NOT NULL,
            day date NOT NULL,
            arrived_at timestamptz,
            left_at timestamptz,
            minutes integer NOT NULL DEFAULT 0,
            present_now boolean NOT NULL DEFAULT false,
            PRIMARY KEY (site, child_id, day)
        );
        CREATE INDEX child_days_by_day ON child_days (day, site);
        CREATE TABLE statements (
            site text NOT NULL,
            year integer NOT NULL,
            month integer NOT NULL,
            child_id integer NOT NULL,
            version integer NOT NULL,
            stay_fee numeric(12, 2) NOT NULL,
            meals_charged numeric(12, 2) NOT NULL,
            meals_refunded numeric(12, 2) NOT NULL,
            minutes_billed integer NOT NULL,
            days_billed integer NOT NULL,
            billed jsonb NOT NULL,
            PRIMARY KEY (site, year, month, child_id, version)
        );
        CREATE TABLE fee_resolutions (
            id bigserial PRIMARY KEY,
            valid_from date NOT NULL,
            document jsonb NOT NULL,
            basis text NOT NULL DEFAULT '',
            set_by text NOT NULL,
            set_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE site_fee_overrides (
            site text NOT NULL,
            valid_from date NOT NULL,
            document jsonb NOT NULL,
            change_id bigint NOT NULL,
            PRIMARY KEY (site, valid_from)
        );
        CREATE TABLE officers (
            login text PRIMARY KEY,
            display_name text NOT NULL,
            password_hash text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            blocked_at timestamptz
        );
        CREATE TABLE officer_sessions (
            token_hash text PRIMARY KEY,
            login text NOT NULL REFERENCES officers (login),
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL
        );
        """,
    ),
    (
        2,
        # The city service's own additions (hub/city/apply.py): a tap's reader direction
        # and what the rules read of a correction, so a child's day is computed as the
        # site computes it; the site's rule settings; and the messages it could not read.
        """
        ALTER TABLE taps ADD COLUMN mode text NOT NULL DEFAULT 'toggle';
        ALTER TABLE corrections ADD COLUMN created_at timestamptz;
        ALTER TABLE corrections ADD COLUMN target_reader text;
        ALTER TABLE corrections ADD COLUMN target_seq bigint;
        ALTER TABLE corrections ADD COLUMN target_correction integer;
        CREATE INDEX corrections_by_child_day ON corrections (site, child_id, day);
        CREATE TABLE site_rules (
            site text PRIMARY KEY,
            opening time NOT NULL,
            closing time NOT NULL,
            debounce_s integer NOT NULL,
            change_id bigint NOT NULL
        );
        CREATE TABLE rejected_events (
            stream_seq bigint PRIMARY KEY,
            subject text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            reason text NOT NULL,
            size integer NOT NULL,
            data bytea NOT NULL
        );
        """,
    ),
    (
        3,
        # The panel's (hub/city/panel_queries.py, hub/city/officers.py): each session's
        # CSRF token, the login attempts for the per-address limit, the aggregates' indexes.
        """
        ALTER TABLE officer_sessions ADD COLUMN csrf_token text NOT NULL DEFAULT '';
        CREATE INDEX officer_sessions_by_login ON officer_sessions (login);
        CREATE TABLE officer_login_attempts (
            id bigserial PRIMARY KEY,
            at timestamptz NOT NULL DEFAULT now(),
            login text NOT NULL,
            ip text,
            success boolean NOT NULL
        );
        CREATE INDEX officer_login_attempts_by_ip ON officer_login_attempts (ip, at);
        CREATE INDEX statements_by_month ON statements (year, month, site, child_id, version DESC);
        CREATE INDEX child_days_present_now ON child_days (day, site) WHERE present_now;
        CREATE INDEX children_by_site_group ON children (site, group_id);
        """,
    ),
    (
        4,
        # The receivables (hub/city/apply.py): each site's ledgers summed as of its latest
        # money change, never a payer's row.
        """
        CREATE TABLE site_receivables (
            site text PRIMARY KEY,
            as_of date NOT NULL,
            due numeric(12,2) NOT NULL,
            paid numeric(12,2) NOT NULL,
            arrears numeric(12,2) NOT NULL,
            children_in_arrears integer NOT NULL,
            change_id bigint NOT NULL
        );
        """,
    ),
]

LOCK_KEY = 16_2026
"""The advisory lock held while steps are made (any number unique to this use)."""


def migrate(conn: Any) -> int:
    """Make the missing steps on a psycopg connection; returns how many were made."""
    made = 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        conn.execute(
            "CREATE TABLE IF NOT EXISTS city_schema_steps (step integer PRIMARY KEY, made_at timestamptz)"
        )
        done = {row[0] for row in conn.execute("SELECT step FROM city_schema_steps").fetchall()}
        for number, ddl in STEPS:
            if number in done:
                continue
            conn.execute(ddl)
            conn.execute("INSERT INTO city_schema_steps VALUES (%s, now())", [number])
            made += 1
    return made
