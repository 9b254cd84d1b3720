namespace AgentFunctions.Tests.Support;

/// <summary>The objects a probe's route parameters are filled from. Each field names one object of one family.</summary>
public sealed record RouteTargets(
    string TenantId,
    string AgentId,
    string Version,
    string ToolName,
    string CredentialId,
    string? CredentialUserId,
    string UserId,
    string KeyId,
    string RunId,
    string SessionId,
    string KnowledgeBaseId = "none",
    string DocumentId = "none");

/// <summary>One request: method, URL (route filled in, query included), JSON body, If-Match.</summary>
public sealed record Probe(ApiRoute Route, HttpMethod Method, string Url, object? Body, string? IfMatch);

/// <summary>A route of the table that the probes do not know: the test that met it must fail, naming it.</summary>
public sealed class UnknownRouteException(string message) : Exception(message);

/// <summary>
/// A request generator for every route of the API, keyed by route name, shared by the authorization matrix and the
/// isolation fuzz. Route parameters are filled from <see cref="RouteTargets"/> by their names (a parameter name not
/// listed in <see cref="Families"/> is unknown). A route the generator has no entry for throws
/// <see cref="UnknownRouteException"/>, so a route added to the table without a generator fails both suites.
/// Mutating probes are harmless where the API lets them be: a stale If-Match (the route answers 412 after its
/// permission and visibility checks), or a finished run (409). Two routes destroy their target, see <see cref="Consumes"/>.
/// </summary>
public static class RouteProbes
{
    /// <summary>The family of object each route parameter names.</summary>
    public static readonly IReadOnlyDictionary<string, string> Families = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["tenantId"] = "tenant",
        ["agentId"] = "agent",
        ["version"] = "agent",
        ["toolName"] = "tool",
        ["credentialId"] = "credential",
        ["userId"] = "user",
        ["keyId"] = "key",
        ["runId"] = "run",
        ["sessionId"] = "session",
        ["knowledgeBaseId"] = "knowledge_base",
        ["documentId"] = "document",
    };

    public const string StaleETag = "\"stale-etag\"";

    private static readonly object ToolBody = new { description = "probe", kind = "http", input_schema = new { type = "object" },
        http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } } };

    /// <summary>The family a route's probe uses up (the object no longer exists, or is revoked, after an allowed call), or null.</summary>
    public static string? Consumes(ApiRoute route) => route.Name switch
    {
        "RevokeApiKey" => "key",
        "DeleteCredential" => "credential",
        "DeleteKnowledgeBase" => "knowledge_base",
        "DeleteDocument" => "document",
        _ => null,
    };

    /// <summary>The families of objects a request to <paramref name="route"/> names, in its path or its body.</summary>
    public static IReadOnlyList<string> FamiliesOf(ApiRoute route)
    {
        var families = route.Parameters.Select(p => Families.TryGetValue(p, out var f) ? f : throw new UnknownRouteException(
            $"{route}: no generator fills route parameter '{p}'; add it to RouteProbes.Families and RouteTargets")).ToList();
        if (route.Name == "CreateApiKey") families.Add("user");
        return families.Distinct().ToList();
    }

    public static Probe Build(ApiRoute route, RouteTargets targets, int serial)
    {
        (object? body, string? ifMatch, string query) = route.Name switch
        {
            "GetHealth" or "ListTenants" or "GetTenant" or "GetMe" or "ListTeams" or "ListUsers" or "GetUser" or "ListApiKeys" or "RevokeApiKey"
                or "ListAgents" or "GetAgent" or "ListAgentVersions" or "GetAgentVersion" or "ListTools" or "GetTool" or "ListCredentialAudit"
                or "ListAgentRuns" or "ListAgentSessions" or "GetConversation" or "GetRun" or "StreamRunEvents"
                or "CancelRun" or "ApproveRunToolCall" or "RejectRunToolCall" => P(null, null, ""),
            "CreateTenant" => P(new { name = $"Probe {serial}", admin = new { email = $"probe{serial}@tenant.example" } }, null, ""),
            "SetTenantPlan" => P(new { plan = "pro" }, null, ""),
            "CreateTeam" => P(new { name = $"team {serial}" }, null, ""),
            "CreateUser" => P(new { email = $"probe{serial}-{Guid.NewGuid():N}@user.example", role = "viewer" }, null, ""),
            "UpdateUser" => P(new { display_name = $"probe {serial}" }, null, ""),
            "CreateApiKey" => P(new { name = $"probe {serial}", user_id = targets.UserId }, null, ""),
            "CreateAgent" => P(new { name = $"probe {serial}", scope = "team" }, null, ""),
            "ReplaceAgent" or "PatchAgent" => P(new { name = $"probe {serial}" }, StaleETag, ""),
            "DeleteAgent" or "DisableAgent" or "EnableAgent" => P(null, StaleETag, ""),
            "RollbackAgent" => P(new { version = 1 }, StaleETag, ""),
            "RegisterTool" => P(new { name = $"probe.t{serial}_{Guid.NewGuid():N}"[..36], description = "probe", kind = "http", input_schema = new { type = "object" },
                http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } } }, null, ""),
            "ReplaceTool" => P(ToolBody, StaleETag, ""),
            "DeleteTool" => P(null, StaleETag, ""),
            "CreateCredential" => P(new { meta = new { probe = $"{serial}" }, credentials = new { token = "probe-secret" } }, null, ""),
            "ListCredentials" or "GetCredential" or "DeleteCredential" => P(null, null, UserQuery(targets)),
            "RotateCredential" => P(new { credentials = new { token = "probe-rotated" } }, null, UserQuery(targets)),
            "ExecuteAgent" => P(new { input = $"probe {serial}" }, null, ""),
            "CreateSession" => P(new { title = $"probe {serial}" }, null, ""),
            "SendSessionMessage" => P(new { content = $"probe {serial}" }, null, ""),
            "CreateKnowledgeBase" => P(new { name = $"probe {serial}" }, null, ""),
            "ListKnowledgeBases" or "GetKnowledgeBase" or "DeleteKnowledgeBase" or "ListDocuments" or "GetDocument" or "DeleteDocument" => P(null, null, ""),
            // A JSON body is a JSON document: the probe uploads (and replaces) a real one, which ingestion then indexes.
            "UploadDocument" => P(new { probe = serial, text = "probe document" }, null, $"?name=probe{serial}.json"),
            "ReplaceDocument" => P(new { probe = serial, text = "probe replacement" }, null, ""),
            "QueryKnowledgeBase" or "QueryAgentKnowledge" => P(new { query = $"probe {serial}", top_k = 3, mode = "hybrid" }, null, ""),
            _ => throw new UnknownRouteException($"{route}: RouteProbes has no generator for this route; add one (and its row in the authorization rules)."),
        };
        var path = route.Template;
        foreach (var parameter in route.Parameters)
        {
            var value = Families.TryGetValue(parameter, out _)
                ? parameter switch
                {
                    "tenantId" => targets.TenantId,
                    "agentId" => targets.AgentId,
                    "version" => targets.Version,
                    "toolName" => targets.ToolName,
                    "credentialId" => targets.CredentialId,
                    "userId" => targets.UserId,
                    "keyId" => targets.KeyId,
                    "runId" => targets.RunId,
                    "sessionId" => targets.SessionId,
                    "knowledgeBaseId" => targets.KnowledgeBaseId,
                    "documentId" => targets.DocumentId,
                    _ => throw new UnknownRouteException($"{route}: parameter '{parameter}' has a family but no target"),
                }
                : throw new UnknownRouteException($"{route}: no generator fills route parameter '{parameter}'; add it to RouteProbes.Families and RouteTargets");
            path = System.Text.RegularExpressions.Regex.Replace(path, "\\{" + parameter + "[^}]*\\}", Uri.EscapeDataString(value));
        }
        return new Probe(route, new HttpMethod(route.Method), path + query, body, ifMatch);
    }

    private static (object? Body, string? IfMatch, string Query) P(object? body, string? ifMatch, string query) => (body, ifMatch, query);

    private static string UserQuery(RouteTargets targets) =>
        targets.CredentialUserId is null ? "" : "?user_id=" + Uri.EscapeDataString(targets.CredentialUserId);
}
