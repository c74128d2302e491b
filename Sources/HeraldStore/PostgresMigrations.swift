/// Versioned schema migrations for PostgreSQL, recorded in `herald_schema`. Version 1 is the
/// schema SQLite reached in its migrations 1 to 10, written once for PostgreSQL (no database
/// of the earlier shapes exists). Never edit a shipped migration: add a new one.
enum PostgresMigrations {
    /// What the library searches, as the artifacts_text index holds it.
    static func artifactText(_ table: String = "a.") -> String {
        "to_tsvector('simple', \(table)title || ' ' || \(table)text || ' ' || \(table)tags || ' ' || coalesce(\(table)summary, ''))"
    }

    static let all: [String] = [
        // 1: everything to the shared store: the pipeline, sessions, memory, jobs, the library,
        // the delivery stage, adapter state, approvals, and the leases of several nodes
        """
        CREATE TABLE inbox (
            id BIGSERIAL PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            event_id TEXT NOT NULL,
            conversation TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','done','denied','failed')),
            attempts BIGINT NOT NULL DEFAULT 0,
            last_error TEXT,
            received_at DOUBLE PRECISION NOT NULL,
            closed_at DOUBLE PRECISION,
            starts BIGINT NOT NULL DEFAULT 0,
            UNIQUE (platform, account, event_id)
        );
        CREATE INDEX inbox_pending ON inbox (platform, account, id) WHERE state = 'pending';
        CREATE INDEX inbox_pending_by_conversation ON inbox (conversation, id) WHERE state = 'pending';

        CREATE TABLE outbox (
            id BIGSERIAL PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            conversation TEXT NOT NULL,
            payload TEXT NOT NULL,
            inbox_id BIGINT REFERENCES inbox(id),
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed')),
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE PRECISION NOT NULL,
            platform_message_id TEXT,
            last_error TEXT,
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            plan TEXT,
            in_flight BIGINT,
            waits_for_link BIGINT NOT NULL DEFAULT 0,
            history_note TEXT,
            claimed_by TEXT,
            claim_expires DOUBLE PRECISION
        );
        CREATE INDEX outbox_open ON outbox (conversation, id) WHERE state IN ('pending','sending');
        CREATE INDEX outbox_by_state ON outbox (state, id);
        CREATE INDEX outbox_by_inbox ON outbox (inbox_id) WHERE inbox_id IS NOT NULL;

        CREATE TABLE cursors (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, account, key)
        );
        CREATE TABLE adapter_state (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, account, key)
        );

        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            seq BIGSERIAL,
            conversation TEXT NOT NULL,
            profile TEXT NOT NULL,
            active BIGINT NOT NULL DEFAULT 1,
            slot BIGINT,
            created_at DOUBLE PRECISION NOT NULL,
            settings TEXT,
            frozen_memory TEXT,
            summary TEXT,
            summary_through BIGINT NOT NULL DEFAULT 0,
            parent_session TEXT
        );
        CREATE UNIQUE INDEX sessions_active ON sessions (conversation) WHERE active = 1;
        CREATE INDEX sessions_by_parent ON sessions (parent_session) WHERE parent_session IS NOT NULL;

        CREATE TABLE session_messages (
            id BIGSERIAL PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions(id),
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            tokens BIGINT NOT NULL DEFAULT 0,
            tool_call_id TEXT,
            tool_calls TEXT,
            inbox_id BIGINT,
            created_at DOUBLE PRECISION NOT NULL,
            sender TEXT
        );
        CREATE INDEX session_messages_by_session ON session_messages (session_id, id);
        CREATE INDEX session_messages_by_sender ON session_messages (sender) WHERE sender IS NOT NULL;
        CREATE INDEX session_text ON session_messages USING gin (to_tsvector('simple', content))
            WHERE role IN ('user','assistant');

        CREATE TABLE usage (
            id BIGSERIAL PRIMARY KEY,
            session_id TEXT NOT NULL,
            profile TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_tokens BIGINT NOT NULL,
            completion_tokens BIGINT NOT NULL,
            cached_tokens BIGINT NOT NULL,
            prompt_ms DOUBLE PRECISION NOT NULL,
            generation_ms DOUBLE PRECISION NOT NULL,
            total_ms DOUBLE PRECISION NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            inbox_id BIGINT
        );
        CREATE INDEX usage_by_session ON usage (session_id);
        CREATE INDEX usage_by_profile ON usage (profile, created_at);
        CREATE INDEX usage_by_inbox ON usage (inbox_id) WHERE inbox_id IS NOT NULL;

        CREATE TABLE pairings (
            code TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            sender_name TEXT NOT NULL,
            conversation TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending',
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE approved_senders (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            sender_id TEXT NOT NULL,
            approved_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (platform, account, sender_id)
        );

        CREATE TABLE memory (
            profile TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('profile','user')),
            owner TEXT NOT NULL,
            entries TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (profile, scope, owner)
        );
        CREATE TABLE profile_skills (
            profile TEXT NOT NULL,
            skill TEXT NOT NULL,
            enabled BIGINT NOT NULL,
            PRIMARY KEY (profile, skill)
        );
        CREATE TABLE profile_toolsets (
            profile TEXT NOT NULL,
            toolset TEXT NOT NULL,
            enabled BIGINT NOT NULL,
            PRIMARY KEY (profile, toolset)
        );

        CREATE TABLE jobs (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            schedule TEXT NOT NULL,
            time_zone TEXT NOT NULL,
            profile TEXT NOT NULL,
            prompt TEXT NOT NULL,
            target TEXT NOT NULL,
            toolsets TEXT,
            skills TEXT,
            model TEXT,
            fresh_session BIGINT NOT NULL DEFAULT 1,
            enabled BIGINT NOT NULL DEFAULT 1,
            created_at DOUBLE PRECISION NOT NULL,
            origin TEXT NOT NULL DEFAULT 'chat',
            catch_up BIGINT NOT NULL DEFAULT 0,
            notify_failures BIGINT NOT NULL DEFAULT 1,
            deadline_seconds DOUBLE PRECISION,
            paused_at DOUBLE PRECISION,
            removed_at DOUBLE PRECISION
        );
        CREATE TABLE job_runs (
            id BIGSERIAL PRIMARY KEY,
            job_id BIGINT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            scheduled_for DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('claimed','skipped')),
            inbox_id BIGINT,
            reason TEXT,
            claimed_at DOUBLE PRECISION NOT NULL,
            UNIQUE (job_id, scheduled_for)
        );
        CREATE TABLE job_drafts (
            conversation TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        );

        CREATE TABLE artifacts (
            id BIGSERIAL PRIMARY KEY,
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
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        );
        CREATE UNIQUE INDEX artifacts_by_url ON artifacts (owner, canonical_url) WHERE canonical_url IS NOT NULL;
        CREATE UNIQUE INDEX artifacts_by_hash ON artifacts (owner, content_hash) WHERE canonical_url IS NULL;
        CREATE INDEX artifacts_recent ON artifacts (owner, created_at);
        CREATE INDEX artifacts_text ON artifacts USING gin ((\(artifactText(""))));

        CREATE TABLE approvals (
            id BIGSERIAL PRIMARY KEY,
            inbox_id BIGINT NOT NULL,
            conversation TEXT NOT NULL,
            owner TEXT NOT NULL,
            tool TEXT NOT NULL,
            arguments TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            decision TEXT CHECK (decision IN ('approved','denied','expired')),
            decided_by TEXT,
            decided_at DOUBLE PRECISION,
            checkpoint TEXT NOT NULL
        );
        CREATE INDEX approvals_by_inbox ON approvals (inbox_id, id);
        CREATE INDEX approvals_pending ON approvals (conversation) WHERE decision IS NULL;

        \(Migrations.leases)
        """
    ]
}
