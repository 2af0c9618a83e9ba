"""Accounts: who may log in, and what each account may see and do.

`rights` is the rights matrix as data and `may(...)`; `accounts` creates, blocks and
changes accounts; `passwords` hashes and checks them against the policy; `logins` counts
failures, locks out and limits per address; `devices` keeps the browsers trusted for an
account; `sessions` keeps server-side sessions; `calendar_feeds` each account's private
calendar link (only its hash); `security_policy` is the password, lockout, idle-logout and
rate-limit settings. These modules own their tables (accounts,
login failures, devices, sessions) as well as the rules about them.
Accounts may import the store, the rules and the basics; never services, ingest,
reports, the CLI or the web (checked by `lint-imports`, see pyproject.toml).
"""
