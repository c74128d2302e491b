/// Versioned schema migrations. Each entry runs once, in order, inside a transaction, and
/// `PRAGMA user_version` records how far the file has come. Never edit a shipped migration:
/// add a new one.
enum Migrations {
    static let all: [String] = [
        // 1: the durable pipeline
        """
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            event_id TEXT NOT NULL,
            conversation TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','denied','failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            received_at REAL NOT NULL,
            closed_at REAL,
            UNIQUE (platform, account, event_id)
        );
        CREATE INDEX inbox_pending ON inbox (platform, account, id) WHERE state = 'pending';

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            conversation TEXT NOT NULL,
            payload TEXT NOT NULL,
            inbox_id INTEGER REFERENCES inbox(id),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            platform_message_id TEXT,
            last_error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX outbox_open ON outbox (conversation, id) WHERE state IN ('pending','sending');

        CREATE TABLE cursors (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (platform, account, key)
        );

        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            conversation TEXT NOT NULL,
            profile TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            slot INTEGER,
            created_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX sessions_active ON sessions (conversation) WHERE active = 1;

        CREATE TABLE session_messages (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            tokens INTEGER NOT NULL DEFAULT 0,
            tool_call_id TEXT,
            tool_calls TEXT,
            inbox_id INTEGER,
            created_at REAL NOT NULL
        );
        CREATE INDEX session_messages_by_session ON session_messages (session_id, id);

        CREATE TABLE usage (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            profile TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            completion_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            prompt_ms REAL NOT NULL,
            generation_ms REAL NOT NULL,
            total_ms REAL NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX usage_by_session ON usage (session_id);
        CREATE INDEX usage_by_profile ON usage (profile, created_at);

        CREATE TABLE pairings (
            code TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            conversation TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        CREATE TABLE approved_senders (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            approved_at REAL NOT NULL,
            PRIMARY KEY (platform, account, sender_id)
        );
        """,
        // 2: profiles, memory, skills and tool sets, compaction, search
        """
        ALTER TABLE sessions ADD COLUMN settings TEXT;
        ALTER TABLE sessions ADD COLUMN frozen_memory TEXT;
        ALTER TABLE sessions ADD COLUMN summary TEXT;
        ALTER TABLE sessions ADD COLUMN summary_through INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE session_messages ADD COLUMN sender TEXT;
        CREATE INDEX session_messages_by_sender ON session_messages (sender) WHERE sender IS NOT NULL;

        CREATE TABLE memory (
            profile TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('profile','user')),
            owner TEXT NOT NULL,
            entries TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (profile, scope, owner)
        );

        CREATE TABLE profile_skills (
            profile TEXT NOT NULL,
            skill TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            PRIMARY KEY (profile, skill)
        );

        CREATE VIRTUAL TABLE session_text USING fts5 (content, content='session_messages', content_rowid='id');
        INSERT INTO session_text (rowid, content) SELECT id, content FROM session_messages WHERE role IN ('user','assistant');
        CREATE TRIGGER session_text_insert AFTER INSERT ON session_messages WHEN new.role IN ('user','assistant') BEGIN
            INSERT INTO session_text (rowid, content) VALUES (new.id, new.content);
        END;
        CREATE TRIGGER session_text_delete AFTER DELETE ON session_messages WHEN old.role IN ('user','assistant') BEGIN
            INSERT INTO session_text (session_text, rowid, content) VALUES ('delete', old.id, old.content);
        END;
        """,
        // 3: scheduled jobs and their runs
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            schedule TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            profile TEXT NOT NULL,
            prompt TEXT NOT NULL,
            target TEXT NOT NULL,
            toolsets TEXT,
            skills TEXT,
            model TEXT,
            fresh_session INTEGER NOT NULL DEFAULT 1,
            enabled INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL
        );
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            scheduled_for REAL NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('claimed','skipped')),
            inbox_id INTEGER,
            reason TEXT,
            claimed_at REAL NOT NULL,
            UNIQUE (job_id, scheduled_for)
        );
        CREATE TABLE job_drafts (
            conversation TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        ALTER TABLE usage ADD COLUMN inbox_id INTEGER;
        ALTER TABLE sessions ADD COLUMN parent_session TEXT;
        CREATE INDEX sessions_by_parent ON sessions (parent_session) WHERE parent_session IS NOT NULL;
        CREATE INDEX usage_by_inbox ON usage (inbox_id) WHERE inbox_id IS NOT NULL;
        CREATE INDEX outbox_by_inbox ON outbox (inbox_id) WHERE inbox_id IS NOT NULL;
        """,
        // 4: the artifacts library
        """
        CREATE TABLE artifacts (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL,
            kind TEXT NOT NULL,
            source TEXT NOT NULL,
            canonical_url TEXT,
            title TEXT NOT NULL,
            author TEXT,
            published TEXT,
            content_hash TEXT NOT NULL,
            file_path TEXT,
            mime_type TEXT,
            text TEXT NOT NULL,
            category TEXT,
            tags TEXT NOT NULL DEFAULT '',
            summary TEXT,
            status TEXT NOT NULL CHECK (status IN ('filed','uncategorised')),
            error TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX artifacts_by_url ON artifacts (owner, canonical_url) WHERE canonical_url IS NOT NULL;
        CREATE UNIQUE INDEX artifacts_by_hash ON artifacts (owner, content_hash) WHERE canonical_url IS NULL;
        CREATE INDEX artifacts_recent ON artifacts (owner, created_at);
        CREATE VIRTUAL TABLE artifact_text USING fts5 (title, text, tags, summary, content='artifacts', content_rowid='id');
        CREATE TRIGGER artifact_text_insert AFTER INSERT ON artifacts BEGIN
            INSERT INTO artifact_text (rowid, title, text, tags, summary) VALUES (new.id, new.title, new.text, new.tags, coalesce(new.summary, ''));
        END;
        CREATE TRIGGER artifact_text_update AFTER UPDATE ON artifacts BEGIN
            INSERT INTO artifact_text (artifact_text, rowid, title, text, tags, summary) VALUES ('delete', old.id, old.title, old.text, old.tags, coalesce(old.summary, ''));
            INSERT INTO artifact_text (rowid, title, text, tags, summary) VALUES (new.id, new.title, new.text, new.tags, coalesce(new.summary, ''));
        END;
        CREATE TRIGGER artifact_text_delete AFTER DELETE ON artifacts BEGIN
            INSERT INTO artifact_text (artifact_text, rowid, title, text, tags, summary) VALUES ('delete', old.id, old.title, old.text, old.tags, coalesce(old.summary, ''));
        END;
        """,
        // 5: the delivery stage: durable chunk progress, the chunk on the wire, link waits
        """
        ALTER TABLE outbox ADD COLUMN plan TEXT;
        ALTER TABLE outbox ADD COLUMN in_flight INTEGER;
        ALTER TABLE outbox ADD COLUMN waits_for_link INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN history_note TEXT;
        ALTER TABLE inbox ADD COLUMN starts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
        ALTER TABLE outbox ADD COLUMN claim_expires REAL;
        CREATE INDEX outbox_by_state ON outbox (state, id);
        """,
        // 6: adapter state apart from cursors (tokens, device ids, reply headers are not positions)
        """
        CREATE TABLE adapter_state (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (platform, account, key)
        );
        INSERT INTO adapter_state SELECT platform, account, key, value, updated_at FROM cursors
          WHERE key IN ('access_token', 'device_id', 'encrypted_rooms', 'instance')
             OR substr(key, 1, 4) IN ('msg:') OR substr(key, 1, 7) = 'thread:' OR substr(key, 1, 9) = 'released:';
        DELETE FROM cursors
          WHERE key IN ('access_token', 'device_id', 'encrypted_rooms', 'instance')
             OR substr(key, 1, 4) IN ('msg:') OR substr(key, 1, 7) = 'thread:' OR substr(key, 1, 9) = 'released:';
        """,
        // 7: jobs that tell the truth: where each came from, pause time, removal, run policy
        """
        ALTER TABLE jobs ADD COLUMN origin TEXT NOT NULL DEFAULT 'chat';
        ALTER TABLE jobs ADD COLUMN catch_up INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN notify_failures INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE jobs ADD COLUMN deadline_seconds REAL;
        ALTER TABLE jobs ADD COLUMN paused_at REAL;
        ALTER TABLE jobs ADD COLUMN removed_at REAL;
        """,
        // 8: tool calls waiting for a person's approval, with the turn's place
        """
        CREATE TABLE approvals (
            id INTEGER PRIMARY KEY,
            inbox_id INTEGER NOT NULL,
            conversation TEXT NOT NULL,
            owner TEXT NOT NULL,
            tool TEXT NOT NULL,
            arguments TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            decision TEXT CHECK (decision IN ('approved','denied','expired')),
            decided_by TEXT,
            decided_at REAL,
            checkpoint TEXT NOT NULL
        );
        CREATE INDEX approvals_by_inbox ON approvals (inbox_id, id);
        CREATE INDEX approvals_pending ON approvals (conversation) WHERE decision IS NULL;
        """,
        // 9: tool sets switched on or off for a whole profile (the dashboard), as skills are
        """
        CREATE TABLE profile_toolsets (
            profile TEXT NOT NULL,
            toolset TEXT NOT NULL,
            enabled INTEGER NOT NULL,
            PRIMARY KEY (profile, toolset)
        );
        """,
        // 10: leases of several nodes on one store (used with PostgreSQL; the same SQL here)
        leases,
    ]

    /// Who works which session's lane and who runs which adapter account, until when.
    static let leases = """
        CREATE TABLE lanes (
            conversation TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX lanes_by_owner ON lanes (owner);
        CREATE TABLE adapter_leases (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            owner TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            acquired_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, account)
        );
        """
}
