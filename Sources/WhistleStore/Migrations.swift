import GRDB

/// Named, append-only migrations: never edit one that has shipped, add the next.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 community model") { db in
            try db.execute(
                sql: """
                    CREATE TABLE policy (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        json TEXT NOT NULL UNIQUE,
                        created_at DATETIME NOT NULL
                    );
                    CREATE TABLE community (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        name TEXT NOT NULL,
                        base_url TEXT NOT NULL,
                        categories TEXT NOT NULL,
                        policy_id INTEGER NOT NULL REFERENCES policy(id),
                        updated_at DATETIME NOT NULL
                    );
                    CREATE TABLE responder (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        phone TEXT,
                        role TEXT NOT NULL CHECK (role IN ('grid_worker','grid_leader','secretary','department','merchant','property')),
                        channels TEXT NOT NULL DEFAULT '[]',
                        active BOOLEAN NOT NULL DEFAULT 1
                    );
                    CREATE TABLE api_token (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at DATETIME NOT NULL,
                        revoked_at DATETIME
                    );
                    CREATE TABLE grid (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        leader_id TEXT REFERENCES responder(id)
                    );
                    CREATE TABLE duty (
                        grid_id TEXT NOT NULL REFERENCES grid(id),
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        days INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
                        start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
                        end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
                        backup BOOLEAN NOT NULL DEFAULT 0
                    );
                    CREATE INDEX duty_grid ON duty(grid_id);
                    CREATE TABLE point (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL CHECK (kind IN ('statue','station','merchant')),
                        name TEXT NOT NULL,
                        address TEXT,
                        grid_id TEXT NOT NULL REFERENCES grid(id),
                        latitude DOUBLE,
                        longitude DOUBLE,
                        code TEXT NOT NULL UNIQUE,
                        services TEXT NOT NULL DEFAULT '[]',
                        active BOOLEAN NOT NULL DEFAULT 1,
                        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
                    );
                    -- Codes rotated away: their plaques are void, not unknown.
                    CREATE TABLE retired_code (
                        code TEXT PRIMARY KEY,
                        point_id TEXT NOT NULL REFERENCES point(id),
                        retired_at DATETIME NOT NULL
                    );
                    CREATE TABLE report_day (
                        day TEXT PRIMARY KEY,
                        last INTEGER NOT NULL
                    );
                    CREATE TABLE report (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        number TEXT NOT NULL UNIQUE,
                        point_id TEXT NOT NULL REFERENCES point(id),
                        category TEXT NOT NULL,
                        description TEXT NOT NULL,
                        photo_ids TEXT NOT NULL DEFAULT '[]',
                        phone TEXT,
                        status TEXT NOT NULL CHECK (status IN ('open','acknowledged','whistled','resolved','closed','rejected','duplicate')),
                        duplicate_of INTEGER REFERENCES report(id),
                        policy_id INTEGER REFERENCES policy(id),
                        created_at DATETIME NOT NULL,
                        ack_at DATETIME,
                        ack_by TEXT REFERENCES responder(id),
                        resolved_at DATETIME,
                        resolved_by TEXT REFERENCES responder(id),
                        breached_at DATETIME,
                        rating INTEGER CHECK (rating BETWEEN 1 AND 10),
                        rating_note TEXT,
                        status_key_hash TEXT NOT NULL
                    );
                    CREATE INDEX report_created ON report(created_at);
                    CREATE INDEX report_point_category ON report(point_id, category, created_at);
                    CREATE INDEX report_status ON report(status);
                    -- Append-only: the resident's timeline and the SLA report's source.
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        report_id INTEGER REFERENCES report(id),
                        point_id TEXT REFERENCES point(id),
                        at DATETIME NOT NULL,
                        kind TEXT NOT NULL,
                        actor TEXT,
                        detail TEXT NOT NULL DEFAULT '{}'
                    );
                    CREATE INDEX event_report ON event(report_id, at);
                    CREATE INDEX event_point ON event(point_id, kind, at);
                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        report_id INTEGER NOT NULL REFERENCES report(id),
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        channel INTEGER NOT NULL,
                        channel_kind TEXT NOT NULL,
                        event TEXT NOT NULL,
                        step INTEGER NOT NULL,
                        due_at DATETIME NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_try_at DATETIME NOT NULL,
                        delivered_at DATETIME,
                        cancelled_at DATETIME,
                        failed_at DATETIME,
                        last_error TEXT,
                        idem_key TEXT NOT NULL UNIQUE
                    );
                    CREATE INDEX outbox_pending ON outbox(next_try_at) WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
                    CREATE INDEX outbox_report ON outbox(report_id);
                    -- Plaque health: views of /p/{code} per point and local day; no IP or cookie kept.
                    CREATE TABLE scan_count (
                        point_id TEXT NOT NULL REFERENCES point(id),
                        day TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        PRIMARY KEY (point_id, day)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2 form tokens and server secret") { db in
            try db.execute(
                sql: """
                    -- Keys the server signs with (form tokens, photo links); made once, kept across restarts.
                    CREATE TABLE server_secret (
                        name TEXT PRIMARY KEY,
                        value BLOB NOT NULL
                    );
                    -- Form tokens already used: a replayed form is refused. Rows older than a token's life are purged.
                    CREATE TABLE form_nonce (
                        nonce TEXT PRIMARY KEY,
                        used_at DATETIME NOT NULL
                    );
                    CREATE INDEX form_nonce_used ON form_nonce(used_at);
                    """)
        }
        migrator.registerMigration("v3 whistle to departments") { db in
            try db.execute(
                sql: """
                    -- 吹哨: the department a report was handed to, and when it reported in (its own promise window).
                    ALTER TABLE report ADD COLUMN whistled_to TEXT REFERENCES responder(id);
                    ALTER TABLE report ADD COLUMN whistled_at DATETIME;
                    ALTER TABLE report ADD COLUMN reported_in_at DATETIME;
                    -- Which clock a delivery belongs to: the 10-minute promise, or a department's window after a whistle.
                    ALTER TABLE outbox ADD COLUMN stage TEXT NOT NULL DEFAULT 'promise';
                    """)
        }
        migrator.registerMigration("v4 SLA columns") { db in
            // Numbers the SLA report aggregates over a million rows without parsing a date per row:
            // the local (Asia/Shanghai) day, the promise in force, and durations in seconds, set when they happen.
            try db.execute(
                sql: """
                    ALTER TABLE report ADD COLUMN local_day INTEGER;
                    ALTER TABLE report ADD COLUMN promise_seconds INTEGER NOT NULL DEFAULT 600;
                    ALTER TABLE report ADD COLUMN ack_seconds INTEGER;
                    ALTER TABLE report ADD COLUMN resolve_seconds INTEGER;
                    UPDATE report SET
                        local_day = CAST(strftime('%Y%m%d', created_at, '+8 hours') AS INTEGER),
                        promise_seconds = COALESCE((SELECT json_extract(json, '$.promiseSeconds') FROM policy WHERE policy.id = report.policy_id), 600),
                        ack_seconds = CAST(ROUND((julianday(ack_at) - julianday(created_at)) * 86400) AS INTEGER),
                        resolve_seconds = CAST(ROUND((julianday(resolved_at) - julianday(created_at)) * 86400) AS INTEGER);
                    CREATE INDEX report_local_day ON report(local_day);
                    """)
        }
        migrator.registerMigration("v5 SLA covering index") { db in
            // The SLA passes read only these columns: an index holding them all spares the wide report rows.
            try db.execute(
                sql: """
                    CREATE INDEX report_sla ON report(local_day, status, point_id, category, ack_by, promise_seconds, ack_seconds,
                        resolve_seconds, rating, whistled_at, created_at);
                    """)
        }
        migrator.registerMigration("v6 SLA partial indexes") { db in
            // The breach list and the departments table read a tenth of a period's reports: index just those.
            try db.execute(
                sql: """
                    CREATE INDEX report_late ON report(local_day, status, ack_seconds, promise_seconds, created_at, point_id, number)
                        WHERE ack_seconds IS NULL OR ack_seconds > promise_seconds;
                    CREATE INDEX report_whistled ON report(local_day, status, whistled_to, whistled_at, reported_in_at)
                        WHERE whistled_at IS NOT NULL;
                    """)
        }
        migrator.registerMigration("v7 dispatcher claims, bounded repeats, digests") { db in
            // The dispatcher's pass must cost what is due, not what is stored: the breach scan reads a partial index of
            // open, unbreached reports by deadline instead of joining every open report to its policy, and the outbox is
            // rebuilt with what a claim needs (holder, priority, the channel's identity) and room for digest rows, which
            // belong to no single report.
            try db.execute(
                sql: """
                    ALTER TABLE report ADD COLUMN promise_due_at DATETIME;
                    UPDATE report SET promise_due_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+' || promise_seconds || ' seconds')
                        WHERE status = 'open';
                    CREATE INDEX report_breach_due ON report(promise_due_at) WHERE status = 'open' AND breached_at IS NULL;
                    -- The digest's list: reports past their promise that nobody took.
                    CREATE INDEX report_untaken ON report(created_at) WHERE status = 'open' AND breached_at IS NOT NULL;

                    CREATE TABLE outbox_v7 (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        report_id INTEGER REFERENCES report(id),
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        channel INTEGER NOT NULL,
                        channel_kind TEXT NOT NULL,
                        channel_ref TEXT NOT NULL,
                        event TEXT NOT NULL,
                        step INTEGER NOT NULL,
                        stage TEXT NOT NULL CHECK (stage IN ('promise','whistle','resolve','digest')),
                        priority INTEGER NOT NULL,
                        due_at DATETIME NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_try_at DATETIME NOT NULL,
                        claimed_by TEXT,
                        delivered_at DATETIME,
                        cancelled_at DATETIME,
                        failed_at DATETIME,
                        last_error TEXT,
                        idem_key TEXT NOT NULL UNIQUE
                    );
                    INSERT INTO outbox_v7 (id, report_id, responder_id, channel, channel_kind, channel_ref, event, step, stage, priority,
                        due_at, attempts, next_try_at, delivered_at, cancelled_at, failed_at, last_error, idem_key)
                    SELECT id, report_id, responder_id, channel, channel_kind, channel_kind, event, step, stage,
                        CASE WHEN idem_key LIKE '%/renotify/%' OR event = 'report.remind' THEN 2
                             WHEN stage = 'promise' AND event = 'report.notify' THEN 0 ELSE 1 END,
                        due_at, attempts, next_try_at, delivered_at, cancelled_at, failed_at, last_error, idem_key
                    FROM outbox;
                    DROP TABLE outbox;
                    ALTER TABLE outbox_v7 RENAME TO outbox;
                    CREATE INDEX outbox_due ON outbox(priority, next_try_at)
                        WHERE delivered_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
                    CREATE INDEX outbox_report ON outbox(report_id);

                    -- Work that must run once per deployment at a time (housekeeping, digests): who holds it, until when,
                    -- and when it last finished.
                    CREATE TABLE job (
                        name TEXT PRIMARY KEY,
                        holder TEXT,
                        lease_until DATETIME,
                        done_at DATETIME
                    );
                    -- Wall-clock steps already applied to the schedule, so two processes on one clock shift it once.
                    CREATE TABLE clock_step (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at DATETIME NOT NULL,
                        seconds DOUBLE NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v8 catalogue version") { db in
            // What every request reads and almost nothing writes (the community, its policy, points, codes, responders,
            // duty) is cached in each process. Triggers bump one counter on any change, from any process (an import, a
            // `whistle points rotate` beside the server), so a cache is checked with one integer read.
            try db.execute(
                sql: """
                    CREATE TABLE catalogue_version (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        version INTEGER NOT NULL
                    );
                    INSERT INTO catalogue_version (id, version) VALUES (1, 1);
                    CREATE TRIGGER policy_insert_bumps_catalogue AFTER INSERT ON policy
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER policy_update_bumps_catalogue AFTER UPDATE ON policy
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER policy_delete_bumps_catalogue AFTER DELETE ON policy
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER community_insert_bumps_catalogue AFTER INSERT ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER community_update_bumps_catalogue AFTER UPDATE ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER community_delete_bumps_catalogue AFTER DELETE ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_insert_bumps_catalogue AFTER INSERT ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_update_bumps_catalogue AFTER UPDATE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_delete_bumps_catalogue AFTER DELETE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER grid_insert_bumps_catalogue AFTER INSERT ON grid
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER grid_update_bumps_catalogue AFTER UPDATE ON grid
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER grid_delete_bumps_catalogue AFTER DELETE ON grid
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER duty_insert_bumps_catalogue AFTER INSERT ON duty
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER duty_update_bumps_catalogue AFTER UPDATE ON duty
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER duty_delete_bumps_catalogue AFTER DELETE ON duty
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_insert_bumps_catalogue AFTER INSERT ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_update_bumps_catalogue AFTER UPDATE ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_delete_bumps_catalogue AFTER DELETE ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER retired_code_insert_bumps_catalogue AFTER INSERT ON retired_code
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER retired_code_update_bumps_catalogue AFTER UPDATE ON retired_code
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER retired_code_delete_bumps_catalogue AFTER DELETE ON retired_code
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    """)
        }
        migrator.registerMigration("v9 street and communities") { db in
            // One deployment serves a street office's communities. Each community keeps its own categories, policy, grids,
            // duty and points; departments and street staff are defined once, in the street file, and shared. Ids of
            // responders, grids and points stay unique across the street (they stay the primary keys), so nothing that
            // refers to them changes. An existing database becomes a one-community deployment in place: every row gets
            // community 1, the only community it could hold.
            //
            // `community` loses its `id = 1` check and may leave base_url to the street; `responder` gains the `street`
            // role and the file that owns it (NULL: the street file). Both are rebuilt (SQLite cannot alter a CHECK);
            // the migrator runs with foreign keys off and checks them before committing, as for v7's outbox. Their v8
            // triggers go with the old tables and are made again.
            try db.execute(
                sql: """
                    CREATE TABLE street (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        name TEXT NOT NULL,
                        base_url TEXT,
                        updated_at DATETIME NOT NULL
                    );
                    CREATE TABLE community_v9 (
                        id INTEGER PRIMARY KEY CHECK (id >= 1),
                        name TEXT NOT NULL,
                        base_url TEXT,
                        categories TEXT NOT NULL,
                        policy_id INTEGER NOT NULL REFERENCES policy(id),
                        updated_at DATETIME NOT NULL
                    );
                    INSERT INTO community_v9 (id, name, base_url, categories, policy_id, updated_at)
                        SELECT id, name, base_url, categories, policy_id, updated_at FROM community;
                    DROP TABLE community;
                    ALTER TABLE community_v9 RENAME TO community;

                    CREATE TABLE responder_v9 (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        phone TEXT,
                        role TEXT NOT NULL CHECK (role IN ('grid_worker','grid_leader','secretary','department','merchant','property','street')),
                        channels TEXT NOT NULL DEFAULT '[]',
                        active BOOLEAN NOT NULL DEFAULT 1,
                        community_id INTEGER REFERENCES community(id)
                    );
                    INSERT INTO responder_v9 (id, name, phone, role, channels, active, community_id)
                        SELECT id, name, phone, role, channels, active, (SELECT MIN(id) FROM community) FROM responder;
                    DROP TABLE responder;
                    ALTER TABLE responder_v9 RENAME TO responder;
                    CREATE INDEX responder_community ON responder(community_id);

                    -- A constant default adds the column without rewriting the table: old rows read as community 1.
                    ALTER TABLE grid ADD COLUMN community_id INTEGER NOT NULL DEFAULT 1 REFERENCES community(id);
                    ALTER TABLE point ADD COLUMN community_id INTEGER NOT NULL DEFAULT 1 REFERENCES community(id);
                    ALTER TABLE report ADD COLUMN community_id INTEGER NOT NULL DEFAULT 1;
                    CREATE INDEX grid_community ON grid(community_id);
                    CREATE INDEX point_community ON point(community_id);
                    -- The SLA's covering indexes gain the community, so one pass compares communities.
                    DROP INDEX report_sla;
                    CREATE INDEX report_sla ON report(local_day, status, point_id, category, ack_by, promise_seconds, ack_seconds,
                        resolve_seconds, rating, whistled_at, created_at, community_id);
                    DROP INDEX report_late;
                    CREATE INDEX report_late ON report(local_day, status, ack_seconds, promise_seconds, created_at, point_id, number, community_id)
                        WHERE ack_seconds IS NULL OR ack_seconds > promise_seconds;
                    DROP INDEX report_whistled;
                    CREATE INDEX report_whistled ON report(local_day, status, whistled_to, whistled_at, reported_in_at, community_id)
                        WHERE whistled_at IS NOT NULL;

                    CREATE TRIGGER community_insert_bumps_catalogue AFTER INSERT ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER community_update_bumps_catalogue AFTER UPDATE ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER community_delete_bumps_catalogue AFTER DELETE ON community
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_insert_bumps_catalogue AFTER INSERT ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_update_bumps_catalogue AFTER UPDATE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_delete_bumps_catalogue AFTER DELETE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER street_insert_bumps_catalogue AFTER INSERT ON street
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER street_update_bumps_catalogue AFTER UPDATE ON street
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER street_delete_bumps_catalogue AFTER DELETE ON street
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    """)
        }
        // Responders on their phones: a personal sign-in link (single use, expiring) starts a long-lived session held
        // in a cookie. Both keep only the SHA-256 of their secret, as `api_token` does. New tables only: no rebuild,
        // no catalogue triggers (sessions are not part of the community's data).
        migrator.registerMigration("v10 phone sign-in") { db in
            try db.execute(
                sql: """
                    CREATE TABLE login_link (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        token_hash TEXT NOT NULL UNIQUE,
                        created_at DATETIME NOT NULL,
                        expires_at DATETIME NOT NULL,
                        used_at DATETIME,
                        revoked_at DATETIME
                    );
                    CREATE INDEX login_link_responder ON login_link(responder_id) WHERE used_at IS NULL AND revoked_at IS NULL;
                    CREATE TABLE phone_session (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        responder_id TEXT NOT NULL REFERENCES responder(id),
                        token_hash TEXT NOT NULL UNIQUE,
                        login_link_id INTEGER NOT NULL REFERENCES login_link(id),
                        created_at DATETIME NOT NULL,
                        last_seen_at DATETIME NOT NULL,
                        expires_at DATETIME NOT NULL,
                        revoked_at DATETIME,
                        app TEXT NOT NULL CHECK (app IN ('wecom', 'wechat', 'dingtalk', 'feishu', 'browser'))
                    );
                    CREATE INDEX phone_session_responder ON phone_session(responder_id) WHERE revoked_at IS NULL;
                    """)
        }
        // Part-time grid workers (兼职网格员, #17): a role that reports and follows its own reports, and a `grid` kind of
        // point, a grid's typed place, where their reports from a spot without a plaque are filed. Both CHECKs change,
        // so `responder` and `point` are rebuilt as in v9 (foreign keys off, checked before commit) and their triggers
        // made again. A report records its finder and the finder's words for the place.
        migrator.registerMigration("v11 part-time grid workers") { db in
            try db.execute(
                sql: """
                    CREATE TABLE responder_v11 (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        phone TEXT,
                        role TEXT NOT NULL CHECK (role IN ('grid_worker','grid_leader','secretary','department','merchant','property','street','part_time')),
                        channels TEXT NOT NULL DEFAULT '[]',
                        active BOOLEAN NOT NULL DEFAULT 1,
                        community_id INTEGER REFERENCES community(id),
                        grids TEXT NOT NULL DEFAULT '[]',
                        employer TEXT
                    );
                    INSERT INTO responder_v11 (id, name, phone, role, channels, active, community_id)
                        SELECT id, name, phone, role, channels, active, community_id FROM responder;
                    DROP TABLE responder;
                    ALTER TABLE responder_v11 RENAME TO responder;
                    CREATE INDEX responder_community ON responder(community_id);

                    CREATE TABLE point_v11 (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL CHECK (kind IN ('statue','station','merchant','grid')),
                        name TEXT NOT NULL,
                        address TEXT,
                        grid_id TEXT NOT NULL REFERENCES grid(id),
                        latitude DOUBLE,
                        longitude DOUBLE,
                        code TEXT NOT NULL UNIQUE,
                        services TEXT NOT NULL DEFAULT '[]',
                        active BOOLEAN NOT NULL DEFAULT 1,
                        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
                        community_id INTEGER NOT NULL DEFAULT 1 REFERENCES community(id)
                    );
                    INSERT INTO point_v11 (id, kind, name, address, grid_id, latitude, longitude, code, services, active, created_at, community_id)
                        SELECT id, kind, name, address, grid_id, latitude, longitude, code, services, active, created_at, community_id FROM point;
                    DROP TABLE point;
                    ALTER TABLE point_v11 RENAME TO point;
                    CREATE INDEX point_community ON point(community_id);

                    ALTER TABLE report ADD COLUMN found_by TEXT REFERENCES responder(id);
                    ALTER TABLE report ADD COLUMN place TEXT;
                    -- A part-time worker's list, newest first.
                    CREATE INDEX report_found_by ON report(found_by, created_at) WHERE found_by IS NOT NULL;

                    CREATE TRIGGER responder_insert_bumps_catalogue AFTER INSERT ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_update_bumps_catalogue AFTER UPDATE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER responder_delete_bumps_catalogue AFTER DELETE ON responder
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_insert_bumps_catalogue AFTER INSERT ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_update_bumps_catalogue AFTER UPDATE ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    CREATE TRIGGER point_delete_bumps_catalogue AFTER DELETE ON point
                        BEGIN UPDATE catalogue_version SET version = version + 1; END;
                    """)
        }
        // Open311 integrations (#18): a civic-tech system files and follows reports with an API key, kept as its SHA-256
        // and scoped to communities. What such a client sends beyond a resident's form (names, email, a media link, its
        // own ids) goes beside the report, where no channel reads it. New tables only: no rebuild, no catalogue triggers.
        migrator.registerMigration("v12 Open311 integrations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE integration (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        key_hash TEXT NOT NULL UNIQUE,
                        communities TEXT NOT NULL DEFAULT '[]',
                        created_at DATETIME NOT NULL,
                        revoked_at DATETIME
                    );
                    CREATE UNIQUE INDEX integration_name ON integration(name) WHERE revoked_at IS NULL;
                    CREATE TABLE open311_request (
                        report_id INTEGER PRIMARY KEY REFERENCES report(id),
                        integration_id INTEGER NOT NULL REFERENCES integration(id),
                        media_url TEXT,
                        device_id TEXT,
                        account_id TEXT,
                        first_name TEXT,
                        last_name TEXT,
                        email TEXT
                    );
                    """)
        }
        return migrator
    }
}
