"""Services: the rules fed from storage, the questions the web and the CLI ask.

`days` computes children's days and presence from stored taps and corrections through
`hub.rules.attendance`; `acks` decides a new tap's ack; `conflicts` turns conflicting taps
into inconsistency items; `billing` feeds storage to `hub.rules.fees`; `months` closes a
month and bills later changes as adjustments; `csv_import` reads the secretary's list;
`firmware_release` is a reader firmware release (manifest, per-reader signature, chunks);
`calendar_feed` is a reader's calendar as an iCalendar file.
A service may import the rules, the store and the basics; never ingest, accounts,
reports, the CLI or the web (checked by `lint-imports`, see pyproject.toml).
"""
