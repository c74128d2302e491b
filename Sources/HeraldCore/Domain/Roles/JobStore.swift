import Foundation

/// Scheduled jobs, their runs and drafts. SQLStore implements it.
public protocol JobStore: Sendable {
    /// Adds a job; a job with the same name is an error unless `replace` (config sync).
    @discardableResult
    func saveJob(_ job: Job, replace: Bool) async throws -> Job
    /// The jobs that exist (not those removed from the config).
    func jobs() async throws -> [Job]
    /// A job by name, a removed one too (its history stays readable).
    func job(named name: String) async throws -> Job?
    /// Pauses (recording since when) or resumes a job; false when there is none.
    func setJobEnabled(_ name: String, _ enabled: Bool, at now: Date) async throws -> Bool
    func deleteJob(_ name: String) async throws -> Bool
    /// Marks the config jobs not named in `keeping` removed (they stop; history stays);
    /// returns their names.
    func removeConfigJobs(keeping: Set<String>, at now: Date) async throws -> [String]
    /// Whether a claimed run of the job has not finished yet (a job runs one run at a time).
    func hasUnfinishedRun(_ job: Job) async throws -> Bool
    /// Claims the run of `job` due at `scheduledFor` and commits its inbound event in the same
    /// transaction. Nil when the run was claimed already (by this or another process): the
    /// claim is the lease that makes each due run happen once.
    func claimJobRun(_ job: Job, scheduledFor: Date, event: InboundMessage) async throws -> InboxEntry?
    /// Records a due run that was missed and not caught up.
    func skipJobRun(_ job: Job, scheduledFor: Date, reason: String) async throws
    /// The latest due time claimed or skipped for the job.
    func lastJobRun(_ job: Job) async throws -> Date?
    /// Runs, newest first, with their outcome and delivery state.
    func jobRuns(_ name: String, limit: Int) async throws -> [JobRun]
    /// A job proposed in a conversation and waiting for the person to confirm it (one per
    /// conversation; nil clears it). A draft is not a job: it never runs.
    func setJobDraft(_ job: Job?, for conversation: ConversationRef) async throws
    func jobDraft(for conversation: ConversationRef) async throws -> Job?
}
