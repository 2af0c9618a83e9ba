-- A database as made by ewidencjoner before the migration runner used sqlite-utils'
-- Migrations: schema steps m001-m012 recorded in `schema_migrations` (version, name,
-- applied_at), with a reader, a group and a child. Made with `open_database` and dumped
-- with sqlite3's iterdump; tests/store/test_migrations.py upgrades it.
BEGIN TRANSACTION;
CREATE TABLE "absences" (
   "id" INTEGER PRIMARY KEY,
   "child_id" INTEGER NOT NULL REFERENCES "children"("id"),
   "day" TEXT NOT NULL,
   "reported_at" TEXT NOT NULL,
   "reported_by" TEXT NOT NULL,
   "reason" TEXT,
   "withdrawn_at" TEXT
);
CREATE TABLE "audit_log" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT NOT NULL,
   "actor" TEXT NOT NULL,
   "action" TEXT NOT NULL,
   "entity" TEXT NOT NULL,
   "entity_id" TEXT,
   "before" TEXT,
   "after" TEXT
);
INSERT INTO "audit_log" VALUES(1,'2026-12-05T13:09:19.050Z','test','group.create','group','1',NULL,'{"created_at": "2026-12-05T13:09:19.050Z", "id": 1, "name": "Motylki", "teachers": null}');
INSERT INTO "audit_log" VALUES(2,'2026-12-05T13:09:19.051Z','test','child.create','child','1',NULL,'{"active_from": "2026-12-05", "active_to": null, "birth_date": null, "created_at": "2026-12-05T13:09:19.051Z", "fee_exempt": null, "first_name": "Ala", "group_id": 1, "group_name": "Motylki", "id": 1, "last_name": "Nowak", "notes": null}');
CREATE TABLE "billed_months" (
   "year" INTEGER,
   "month" INTEGER,
   "child_id" INTEGER REFERENCES "children"("id"),
   "version" INTEGER,
   "recorded_at" TEXT NOT NULL,
   "billed" TEXT NOT NULL,
   PRIMARY KEY ("year", "month", "child_id", "version")
);
CREATE TABLE broker_credentials ( user TEXT PRIMARY KEY REFERENCES readers(id) ON DELETE CASCADE, password_hash TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE TABLE "cards" (
   "id" INTEGER PRIMARY KEY,
   "uid" TEXT NOT NULL,
   "number" TEXT,
   "child_id" INTEGER NOT NULL REFERENCES "children"("id"),
   "holder" TEXT,
   "valid_from" TEXT NOT NULL,
   "assigned_at" TEXT NOT NULL,
   "assigned_by" TEXT NOT NULL,
   "revoked_at" TEXT,
   "revoked_by" TEXT,
   "revoke_reason" TEXT
);
CREATE TABLE "child_guardians" (
   "child_id" INTEGER REFERENCES "children"("id"),
   "guardian_id" INTEGER REFERENCES "guardians"("id"),
   "relation" TEXT,
   PRIMARY KEY ("child_id", "guardian_id")
);
CREATE TABLE "children" (
   "id" INTEGER PRIMARY KEY,
   "first_name" TEXT NOT NULL,
   "last_name" TEXT NOT NULL,
   "group_id" INTEGER NOT NULL REFERENCES "groups"("id"),
   "birth_date" TEXT,
   "active_from" TEXT NOT NULL,
   "active_to" TEXT,
   "fee_exempt" INTEGER,
   "notes" TEXT,
   "created_at" TEXT NOT NULL
);
INSERT INTO "children" VALUES(1,'Ala','Nowak',1,NULL,'2026-12-05',NULL,NULL,NULL,'2026-12-05T13:09:19.051Z');
CREATE TABLE "closed_days" (
   "day" TEXT PRIMARY KEY,
   "reason" TEXT NOT NULL
);
CREATE TABLE "closed_months" (
   "year" INTEGER,
   "month" INTEGER,
   "closed_at" TEXT NOT NULL,
   "closed_by" TEXT NOT NULL,
   PRIMARY KEY ("year", "month")
);
CREATE TABLE "corrections" (
   "id" INTEGER PRIMARY KEY,
   "child_id" INTEGER NOT NULL REFERENCES "children"("id"),
   "day" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "at" TEXT,
   "target_reader" TEXT,
   "target_seq" INTEGER,
   "target_correction" INTEGER,
   "reason" TEXT NOT NULL,
   "author" TEXT NOT NULL,
   "created_at" TEXT NOT NULL,
   "revoked_at" TEXT,
   "revoked_by" TEXT,
   "revoke_reason" TEXT
);
CREATE TABLE "day_topics" (
   "id" INTEGER PRIMARY KEY,
   "group_id" INTEGER NOT NULL REFERENCES "groups"("id"),
   "day" TEXT NOT NULL,
   "topic" TEXT NOT NULL,
   "author" TEXT NOT NULL,
   "substitution" INTEGER NOT NULL DEFAULT 0,
   "substitute_for" TEXT,
   "created_at" TEXT NOT NULL,
   "superseded_by" INTEGER
);
CREATE TABLE "denied_actions" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT NOT NULL,
   "user_id" INTEGER,
   "login" TEXT,
   "right" TEXT NOT NULL,
   "method" TEXT,
   "path" TEXT,
   "object" TEXT,
   "ip" TEXT,
   "reason" TEXT NOT NULL
);
CREATE TABLE "groups" (
   "id" INTEGER PRIMARY KEY,
   "name" TEXT NOT NULL,
   "teachers" TEXT,
   "created_at" TEXT NOT NULL
);
INSERT INTO "groups" VALUES(1,'Motylki',NULL,'2026-12-05T13:09:19.050Z');
CREATE TABLE "guardians" (
   "id" INTEGER PRIMARY KEY,
   "name" TEXT NOT NULL,
   "phone" TEXT,
   "email" TEXT,
   "created_at" TEXT NOT NULL
);
CREATE TABLE "login_attempts" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT NOT NULL,
   "email" TEXT NOT NULL,
   "user_id" INTEGER,
   "ip" TEXT,
   "success" INTEGER NOT NULL,
   "outcome" TEXT NOT NULL
);
CREATE TABLE "password_history" (
   "id" INTEGER PRIMARY KEY,
   "user_id" INTEGER NOT NULL REFERENCES "users"("id"),
   "password_hash" TEXT NOT NULL,
   "set_at" TEXT NOT NULL
);
CREATE TABLE "quarantine" (
   "id" INTEGER PRIMARY KEY,
   "first_received_at" TEXT NOT NULL,
   "last_received_at" TEXT NOT NULL,
   "count" INTEGER NOT NULL,
   "topic" TEXT NOT NULL,
   "reader_id" TEXT,
   "payload" BLOB NOT NULL,
   "reason" TEXT NOT NULL,
   "detail" TEXT,
   "resolved_at" TEXT
, "payload_size" INTEGER, "payload_sha256" TEXT, "seq" INTEGER, "overflow" INTEGER NOT NULL DEFAULT 0);
CREATE TABLE "reader_events" (
   "id" INTEGER PRIMARY KEY,
   "reader_id" TEXT NOT NULL REFERENCES "readers"("id"),
   "at" TEXT NOT NULL,
   "online" INTEGER NOT NULL,
   "fw" TEXT,
   "boot" INTEGER,
   "queue" INTEGER,
   "rssi" INTEGER,
   "heap" INTEGER,
   "up" INTEGER,
   "resets" INTEGER
);
CREATE TABLE "reader_modes" (
   "reader_id" TEXT REFERENCES "readers"("id"),
   "valid_from" TEXT,
   "mode" TEXT NOT NULL,
   "changed_by" TEXT,
   PRIMARY KEY ("reader_id", "valid_from")
);
INSERT INTO "reader_modes" VALUES('r1','1970-01-01T00:00:00.000Z','toggle','registration');
CREATE TABLE "readers" (
   "id" TEXT PRIMARY KEY,
   "name" TEXT NOT NULL,
   "mode" TEXT NOT NULL DEFAULT 'toggle',
   "created_at" TEXT NOT NULL
, "online" INTEGER, "fw" TEXT, "boot" INTEGER, "queue" INTEGER, "rssi" INTEGER, "heap" INTEGER, "up" INTEGER, "resets" INTEGER, "last_seen" TEXT, "last_status" TEXT);
INSERT INTO "readers" VALUES('r1','Wejście','toggle','2026-12-05T13:09:19.049Z',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE "schema_migrations" (
   "version" INTEGER PRIMARY KEY,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "schema_migrations" VALUES(1,'m001_readers_and_taps','2026-12-05T13:09:19.022Z');
INSERT INTO "schema_migrations" VALUES(2,'m002_quarantine_and_reader_health','2026-12-05T13:09:19.026Z');
INSERT INTO "schema_migrations" VALUES(3,'m003_registry_and_corrections','2026-12-05T13:09:19.031Z');
INSERT INTO "schema_migrations" VALUES(4,'m004_reader_mode_history','2026-12-05T13:09:19.032Z');
INSERT INTO "schema_migrations" VALUES(5,'m005_absences','2026-12-05T13:09:19.033Z');
INSERT INTO "schema_migrations" VALUES(6,'m006_closed_months','2026-12-05T13:09:19.035Z');
INSERT INTO "schema_migrations" VALUES(7,'m007_day_topics','2026-12-05T13:09:19.036Z');
INSERT INTO "schema_migrations" VALUES(8,'m008_accounts_and_audit','2026-12-05T13:09:19.041Z');
INSERT INTO "schema_migrations" VALUES(9,'m009_bounded_quarantine','2026-12-05T13:09:19.044Z');
INSERT INTO "schema_migrations" VALUES(10,'m010_broker_credentials','2026-12-05T13:09:19.045Z');
INSERT INTO "schema_migrations" VALUES(11,'m011_trusted_devices','2026-12-05T13:09:19.047Z');
INSERT INTO "schema_migrations" VALUES(12,'m012_cards_by_uid','2026-12-05T13:09:19.048Z');
CREATE TABLE "sessions" (
   "id" TEXT PRIMARY KEY,
   "user_id" INTEGER NOT NULL REFERENCES "users"("id"),
   "csrf_token" TEXT NOT NULL,
   "created_at" TEXT NOT NULL,
   "last_seen_at" TEXT NOT NULL,
   "ip" TEXT,
   "user_agent" TEXT,
   "ended_at" TEXT,
   "end_reason" TEXT,
   "previous_login_at" TEXT,
   "previous_login_ip" TEXT,
   "failures_since" INTEGER
);
CREATE TABLE "settings" (
   "key" TEXT PRIMARY KEY,
   "value" TEXT NOT NULL
);
CREATE TABLE "signing_keys" (
   "name" TEXT PRIMARY KEY,
   "key" TEXT NOT NULL
);
INSERT INTO "signing_keys" VALUES('device_cookie','9489331a25aa9c5c5203413ef1dd1cd1d752ffc4c0adc61d85829398e1740a81');
CREATE TABLE "taps" (
   "reader_id" TEXT NOT NULL REFERENCES "readers"("id"),
   "seq" INTEGER NOT NULL,
   "uid" TEXT NOT NULL,
   "boot" INTEGER NOT NULL,
   "ms" INTEGER NOT NULL,
   "now" INTEGER,
   "device_t" INTEGER,
   "received_at" TEXT NOT NULL,
   "at" TEXT,
   "time_quality" TEXT NOT NULL,
   PRIMARY KEY ("reader_id", "seq")
);
CREATE TABLE "trusted_devices" (
   "id" TEXT PRIMARY KEY,
   "user_id" INTEGER NOT NULL REFERENCES "users"("id"),
   "created_at" TEXT NOT NULL,
   "last_used_at" TEXT NOT NULL,
   "failures" INTEGER NOT NULL DEFAULT 0,
   "locked_until" TEXT
);
CREATE TABLE "user_groups" (
   "user_id" INTEGER REFERENCES "users"("id"),
   "group_id" INTEGER REFERENCES "groups"("id"),
   PRIMARY KEY ("user_id", "group_id")
);
CREATE TABLE "users" (
   "id" INTEGER PRIMARY KEY,
   "email" TEXT NOT NULL,
   "name" TEXT NOT NULL,
   "role" TEXT NOT NULL,
   "title" TEXT,
   "guardian_id" INTEGER REFERENCES "guardians"("id"),
   "expires_on" TEXT,
   "scope" TEXT,
   "password_hash" TEXT NOT NULL,
   "password_set_at" TEXT NOT NULL,
   "must_change" INTEGER NOT NULL DEFAULT 1,
   "failed_count" INTEGER NOT NULL DEFAULT 0,
   "blocked_at" TEXT,
   "created_at" TEXT NOT NULL,
   "created_by" TEXT NOT NULL
, "blocked_by" TEXT);
CREATE INDEX "idx_taps_at"
    ON "taps" ("at");
CREATE INDEX "idx_taps_uid_at"
    ON "taps" ("uid", "at");
CREATE INDEX "idx_quarantine_resolved_at_reason"
    ON "quarantine" ("resolved_at", "reason");
CREATE INDEX "idx_reader_events_reader_id_at"
    ON "reader_events" ("reader_id", "at");
CREATE UNIQUE INDEX "idx_groups_name"
    ON "groups" ("name");
CREATE UNIQUE INDEX cards_one_active_uid ON cards(uid) WHERE revoked_at IS NULL;
CREATE INDEX "idx_cards_child_id"
    ON "cards" ("child_id");
CREATE INDEX "idx_corrections_day_child_id"
    ON "corrections" ("day", "child_id");
CREATE INDEX taps_by_uid_and_day ON taps(uid, coalesce(at, received_at));
CREATE INDEX "idx_absences_day_child_id"
    ON "absences" ("day", "child_id");
CREATE INDEX "idx_day_topics_group_id_day"
    ON "day_topics" ("group_id", "day");
CREATE UNIQUE INDEX users_email ON users(lower(email));
CREATE INDEX "idx_password_history_user_id_set_at"
    ON "password_history" ("user_id", "set_at");
CREATE INDEX "idx_login_attempts_ip_at"
    ON "login_attempts" ("ip", "at");
CREATE INDEX "idx_login_attempts_user_id_at"
    ON "login_attempts" ("user_id", "at");
CREATE INDEX "idx_sessions_user_id"
    ON "sessions" ("user_id");
CREATE INDEX "idx_denied_actions_at"
    ON "denied_actions" ("at");
CREATE INDEX "idx_audit_log_entity_entity_id"
    ON "audit_log" ("entity", "entity_id");
CREATE INDEX "idx_audit_log_at"
    ON "audit_log" ("at");
CREATE INDEX "idx_quarantine_payload_sha256"
    ON "quarantine" ("payload_sha256");
CREATE INDEX "idx_quarantine_reader_id_reason_resolved_at"
    ON "quarantine" ("reader_id", "reason", "resolved_at");
CREATE INDEX "idx_trusted_devices_user_id"
    ON "trusted_devices" ("user_id");
CREATE INDEX "cards_by_uid"
    ON "cards" ("uid", "valid_from");
COMMIT;
