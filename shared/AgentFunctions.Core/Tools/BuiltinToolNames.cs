namespace AgentFunctions.Tools;

/// <summary>Tools every tenant has without registering them. An agent's allowlist may name these.</summary>
public static class BuiltinToolNames
{
    public const string CurrentTime = "builtin.current_time";
    public const string HttpFetch = "builtin.http_fetch";
    public const string KnowledgeSearch = "builtin.knowledge_search";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { CurrentTime, HttpFetch, KnowledgeSearch };

    public static bool IsBuiltin(string name) => All.Contains(name);
}
