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
        """
    ]
}
