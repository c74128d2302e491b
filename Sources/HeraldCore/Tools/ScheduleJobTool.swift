import Foundation

/// `schedule_job`: the model proposes a job for this chat. It is only a draft until the person
/// confirms it with `/cron confirm`: the model can never start a recurring job on its own.
public struct ScheduleJobTool: AgentTool {
    let store: any JobStore
    let timeZone: String
    public let toolset = "scheduling"

    public init(store: any JobStore, timeZone: String) {
        self.store = store
        self.timeZone = timeZone
    }

    public let spec = ToolSpec(
        name: "schedule_job",
        description: "Propose a scheduled job that sends its result to this chat. The person must confirm it before it runs.",
        parametersJSON: """
            {"type":"object","properties":{\
            "name":{"type":"string","description":"short name: letters, digits, -"},\
            "schedule":{"type":"string","description":"cron in the person's time (0 9 * * 1-5) or an interval (every 20m)"},\
            "prompt":{"type":"string","description":"what to do at each run"}},\
            "required":["name","schedule","prompt"]}
            """)

    public func call(arguments: ToolArguments, context: ToolContext) async throws -> String {
        let name = try arguments.required("name")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ToolError("a job name is letters, digits, '-' or '_'")
        }
        let schedule = try arguments.required("schedule")
        do {
            _ = try Schedule(schedule)
        } catch {
            throw ToolError("invalid schedule: \(error.message)")
        }
        let job = Job(
            name: name, schedule: schedule, timeZone: timeZone, profile: context.profile.name, prompt: try arguments.required("prompt"),
            target: context.session.conversation)
        try await store.setJobDraft(job, for: context.session.conversation)
        return "Draft saved, NOT scheduled. Show the person the schedule (\(schedule), \(timeZone)) and the prompt, and ask them to reply /cron confirm (or /cron cancel)."
    }
}
