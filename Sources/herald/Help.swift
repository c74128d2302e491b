enum Help {
    static let main = """
        herald: a self-hosted chat gateway for personal AI agents

        Usage: herald <command> [options]

        Commands:
          run                     run every configured adapter (the gateway)
          chat                    talk to a profile in this terminal
          doctor                  check the configuration, the model servers and the store
          sessions list|show ID   list sessions, or show one with its messages and usage
          pair list|approve CODE|deny CODE
                                  manage pairing requests from unknown senders
          profile list|show NAME|new NAME
                                  list, show or scaffold profiles
          memory show|add|replace|remove [--profile P] [--user ID]
                                  edit a profile's memory, or its memory of one person
          skills list|enable NAME|disable NAME [--profile P]
                                  see and switch a profile's skills
          usage [--days N]        tokens and cost by day, profile and model
          cron list|add|pause|resume|delete|history
                                  scheduled jobs and what each run delivered
          artifacts list|search Q|show ID|export [--format markdown|json]
                                  the library the librarian keeps
          outbox list|show ID|retry ID
                                  replies on their way, and the ones that failed
          mcp list|call NAME TOOL JSON
                                  MCP servers, their state and tools; call one tool
          dashboard url           the login link of the dashboard herald run serves

        Options for every command:
          --config PATH           the configuration file (default: $HERALD_CONFIG,
                                  ./config/herald.toml, then ~/.config/herald/herald.toml)
          --help                  help for the command

        The state directory is state_dir in the config, or $HERALD_HOME.
        Exit codes: 0 ok, 1 failed, 64 usage, 69 a service is unavailable, 70 internal error,
        78 configuration error.
        """

    static let run = """
        Usage: herald run [--config PATH]

        Runs the gateway: every adapter in [adapters.*], the lanes, the delivery worker and any
        managed model server. SIGINT or SIGTERM finishes the turns in flight and stops; a second
        signal stops at once. Pending messages are kept and answered at the next start.
        """

    static let chat = """
        Usage: herald chat [--profile P] [--session S] [--no-stream] [--config PATH]

        A conversation in this terminal through the full pipeline (inbox, lane, agent, outbox,
        delivery). Each --session name (default "main") is its own conversation and keeps its
        history across runs; --profile binds it to a profile (starting a fresh session if it was
        on another). Type /new for a fresh session, /status, /help. End with Ctrl-D: replies still
        owed are delivered first.
        """

    static let doctor = """
        Usage: herald doctor [--online] [--config PATH]

        Validates the configuration (errors name file:line), opens the store, checks that each
        model server answers and that each secret reference resolves (values are never shown).
        With --online it also logs in where it can, each with its own verdict: Telegram getMe,
        Matrix login and whoami, IMAP login and the mailbox, SMTP login (no mail is sent), an
        IRC connection and registration (then QUIT), and a one-token request to each model.
        Exits 0 when everything passes, 78 for a configuration error, 69 when a model server or
        secret is unavailable.
        """

    static let sessions = """
        Usage: herald sessions list [--limit N] [--config PATH]
               herald sessions show ID [--config PATH]

        Lists sessions (newest first) or shows one: its conversation, profile, messages and usage.
        ID may be a unique prefix.
        """

    static let outbox = """
        Usage: herald outbox list [--state pending|sending|sent|failed] [--limit N] [--config PATH]
               herald outbox show ID [--config PATH]
               herald outbox retry ID [--config PATH]

        Lists outbox rows (newest first) with their state, attempts and the reason of the last
        failure; shows one with its chunks and the platform's ids; or sends a failed one again
        from the chunk where it stopped (a running gateway picks it up).
        """

    static let pair = """
        Usage: herald pair list [--config PATH]
               herald pair approve CODE [--config PATH]
               herald pair deny CODE [--config PATH]

        Unknown senders get a pairing code and reach no model until approved here.
        """

    static let profile = """
        Usage: herald profile list [--config PATH]
               herald profile show NAME [--config PATH]
               herald profile new NAME [--config PATH]

        A profile is a persona (profiles/NAME/SOUL.md), its skills, tool sets, memory and models.
        `new` creates profiles/NAME/SOUL.md and profiles/NAME/skills/ and adds [profiles.NAME]
        to the configuration.
        """

    static let memory = """
        Usage: herald memory show [--profile P] [--user ID]
               herald memory add TEXT [--profile P] [--user ID]
               herald memory replace OLD NEW [--profile P] [--user ID]
               herald memory remove OLD [--profile P] [--user ID]

        A profile keeps notes about the work and, with --user PLATFORM/SENDER_ID (for example
        telegram/12345), notes about one person. OLD is any unique part of an entry. Changes
        reach new sessions; running sessions keep the memory they started with.
        """

    static let skills = """
        Usage: herald skills list [--profile P]
               herald skills enable NAME [--profile P]
               herald skills disable NAME [--profile P]

        Skills are skills/NAME/SKILL.md (shared) and profiles/P/skills/NAME/SKILL.md. enable and
        disable override the profile's `skills` setting; /skill on|off NAME does it for one session.
        """

    static let usage = """
        Usage: herald usage [--days N] [--config PATH]

        Prompt, cached and completion tokens and cost, by day, profile and model (default: 30 days).
        Prices come from each model's `price` table; local models cost nothing.
        """

    static let cron = """
        Usage: herald cron list [--config PATH]
               herald cron add NAME --schedule "0 9 * * 1-5" --prompt TEXT --to PLATFORM/ACCOUNT/CHAT[/THREAD]
                               [--profile P] [--time-zone ZONE]
               herald cron pause NAME | resume NAME | delete NAME
               herald cron history NAME [--limit N] [--utc]

        Schedules: five-field cron (names, ranges, steps, lists; day-of-month OR day-of-week when
        both are set), "every 20m" (s, m, h, d), or "at 2026-12-01 09:00", in the job's time zone.
        A local time skipped by a daylight-saving change runs when the clocks jump; a repeated one
        runs once. History shows each run's result and whether it was really delivered.
        """

    static let mcp = """
        Usage: herald mcp list [--config PATH]
               herald mcp call NAME TOOL JSON [--config PATH]

        list starts each [mcp.NAME] server of the config, says whether it came up (and the
        protocol it speaks) and lists its tools with what their schemas cost in tokens; call
        runs one tool with JSON arguments and prints its result (exit 1 on a tool error).
        """

    static let dashboard = """
        Usage: herald dashboard url [--config PATH]

        Prints the login link of the local dashboard herald run serves when [dashboard]
        enabled = true: http://BIND:PORT/login?token=TOKEN. The token is in
        STATE_DIR/dashboard.token (mode 0600; made on first use); delete that file and restart
        to log every browser out. /metrics takes the same token as a bearer token.
        """

    static let artifacts = """
        Usage: herald artifacts list [--limit N] [--owner ID]
               herald artifacts search WORDS... [--owner ID]
               herald artifacts show ID
               herald artifacts export [--format markdown|json] [--owner ID]

        The library: links, documents, images and forwarded emails filed by the librarian
        profile (files_artifacts = true) or with the artifact_save tool. In a chat: /find, /recent,
        /refile ID.
        """
}
