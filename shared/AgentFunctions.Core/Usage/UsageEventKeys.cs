namespace AgentFunctions.Usage;

/// <summary>
/// Event keys, each derived from the cause of the usage and never from the time or a random value, so the same cause
/// always yields the same key (a replay, a retry and a redelivery all collide on it).
/// </summary>
public static class UsageEventKeys
{
    /// <summary>One model call of a run: the run and the call's position in the conversation (the messages it was sent).</summary>
    public static string ModelCall(string runId, int step, string meter) => $"run:{runId}:model:{step}:{meter}";

    public static string ToolCall(string callId) => $"tool:{callId}";

    public static string RunSeconds(string runId) => $"run:{runId}:seconds";

    public static string TriggerEvent(string eventId) => $"trigger:{eventId}";

    /// <summary>A knowledge query (its id, the run or the tool call that asked it) on one meter: the query, its embedding tokens.</summary>
    public static string KnowledgeQuery(string cause, string meter) =>
        meter == UsageMeters.KnowledgeQueries ? $"kq:{cause}" : $"kq:{cause}:{meter}";

    public static string DocumentIndexed(string documentId, string version, string meter) => $"doc:{documentId}:{version}:{meter}";
}
