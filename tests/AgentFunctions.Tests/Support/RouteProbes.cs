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
    string TriggerId = "none",
    string? WebhookSecret = null,
    string KnowledgeBaseId = "none",
    string DocumentId = "none",
    string PlanId = "none",
    string InvoiceId = "none");

/// <summary>One request: method, URL (route filled in, query included), JSON body, If-Match.</summary>
public sealed record Probe(ApiRoute Route, HttpMethod Method, string Url, object? Body, string? IfMatch, IReadOnlyDictionary<string, string>? Headers = null);

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
        ["triggerId"] = "trigger",
        ["knowledgeBaseId"] = "knowledge_base",
        ["documentId"] = "document",
        ["planId"] = "plan",
        ["invoiceId"] = "invoice",
    };

    public const string StaleETag = "\"stale-etag\"";

    private static readonly object ToolBody = new { description = "probe", kind = "http", input_schema = new { type = "object" },
        http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } } };

    /// <summary>The family a route's probe uses up (the object no longer exists, or is revoked, after an allowed call), or null.</summary>
    public static string? Consumes(ApiRoute route) => route.Name switch
    {
        "RevokeApiKey" => "key",
        "DeleteCredential" => "credential",
        "DeleteTrigger" => "trigger",
        "DeleteKnowledgeBase" => "knowledge_base",
        "DeleteDocument" => "document",
        "DeleteTenant" => "tenant",
        _ => null,
    };

    /// <summary>The families of objects a request to <paramref name="route"/> names, in its path or its body.</summary>
    public static IReadOnlyList<string> FamiliesOf(ApiRoute route)
    {
        // A webhook's trigger id is its address, and the signature its credential: no tenant caller looks an object up.
        if (route.Name == "ReceiveWebhook") return [];
        var families = route.Parameters.Select(p => Families.TryGetValue(p, out var f) ? f : throw new UnknownRouteException(
            $"{route}: no generator fills route parameter '{p}'; add it to RouteProbes.Families and RouteTargets")).ToList();
        if (route.Name == "CreateApiKey") families.Add("user");
        return families.Distinct().ToList();
    }

    public static Probe Build(ApiRoute route, RouteTargets targets, int serial)
    {
        (object? body, string? ifMatch, string query) = route.Name switch
        {
            "GetHealth" or "GetReadiness" or "ListTenants" or "GetTenant" or "GetMe" or "ListTeams" or "ListUsers" or "GetUser" or "ListApiKeys" or "RevokeApiKey"
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
            "CreateTrigger" => P(new { system = "webhook" }, null, ""),
            "ListTriggers" or "GetTrigger" or "ListTriggerEvents" or "DeleteTrigger" or "RotateTriggerSecret" => P(null, null, ""),
            "UpdateTrigger" => P(new { active = true }, null, ""),
            "ReceiveWebhook" => P(new { probe = serial }, null, ""),
            "CreateKnowledgeBase" => P(new { name = $"probe {serial}" }, null, ""),
            "ListKnowledgeBases" or "GetKnowledgeBase" or "DeleteKnowledgeBase" or "ListDocuments" or "GetDocument" or "DeleteDocument" => P(null, null, ""),
            // A JSON body is a JSON document: the probe uploads (and replaces) a real one, which ingestion then indexes.
            "UploadDocument" => P(new { probe = serial, text = "probe document" }, null, $"?name=probe{serial}.json"),
            "ReplaceDocument" => P(new { probe = serial, text = "probe replacement" }, null, ""),
            "QueryKnowledgeBase" or "QueryAgentKnowledge" => P(new { query = $"probe {serial}", top_k = 3, mode = "hybrid" }, null, ""),
            "GetUsage" => P(null, null, "?group_by=agent,model"),
            "GetUsageLimits" or "ListToolListedTools" => P(null, null, ""),
            "PreviewTriggerSchedule" => P(new { cron = "*/15 * * * *", time_zone = "Europe/Paris", count = 5 }, null, ""),
            "GetPlan" or "ListInvoices" or "GetInvoice" => P(null, null, ""),
            "PutPlan" => P(new { limits = new { }, prices = new { tool_call = 0.001m } }, null, ""),
            "CreateInvoiceDraft" => P(new { period = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) }, null, ""),
            "ExportTenant" or "DeleteTenant" or "GetTenantDeletion" or "GetTenantRetention" => P(null, null, ""),
            "SetTenantRetention" => P(new { runs_days = 30, conversations_days = (int?)null, events_days = 90 }, null, ""),
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
                    "triggerId" => targets.TriggerId,
                    "knowledgeBaseId" => targets.KnowledgeBaseId,
                    "documentId" => targets.DocumentId,
                    "planId" => targets.PlanId,
                    "invoiceId" => targets.InvoiceId,
                    _ => throw new UnknownRouteException($"{route}: parameter '{parameter}' has a family but no target"),
                }
                : throw new UnknownRouteException($"{route}: no generator fills route parameter '{parameter}'; add it to RouteProbes.Families and RouteTargets");
            path = System.Text.RegularExpressions.Regex.Replace(path, "\\{" + parameter + "[^}]*\\}", Uri.EscapeDataString(value));
        }
        var headers = route.Name == "ReceiveWebhook" && targets.WebhookSecret is { } secret ? SignedHeaders(secret, body!, serial) : null;
        return new Probe(route, new HttpMethod(route.Method), path + query, body, ifMatch, headers);
    }

    /// <summary>Standard Webhooks headers for <paramref name="body"/> as the probe sends it (System.Text.Json defaults).</summary>
    private static IReadOnlyDictionary<string, string> SignedHeaders(string secret, object body, int serial)
    {
        var id = $"msg_probe_{serial}_{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        return new Dictionary<string, string>
        {
            ["webhook-id"] = id,
            ["webhook-timestamp"] = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = new StandardWebhooks.StandardWebhook(secret).Sign(id, now, System.Text.Json.JsonSerializer.Serialize(body)),
        };
    }

    private static (object? Body, string? IfMatch, string Query) P(object? body, string? ifMatch, string query) => (body, ifMatch, query);

    private static string UserQuery(RouteTargets targets) =>
        targets.CredentialUserId is null ? "" : "?user_id=" + Uri.EscapeDataString(targets.CredentialUserId);
}

public static class ProbeHttp
{
    /// <summary>Sends a route probe: its JSON body, If-Match and any extra headers (a webhook's signature).</summary>
    public static async Task<HttpResponseMessage> SendProbeAsync(this HttpClient client, Probe probe)
    {
        using var request = new HttpRequestMessage(probe.Method, probe.Url);
        if (probe.Body is not null)
        {
            request.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(probe.Body), System.Text.Encoding.UTF8, "application/json");
        }
        if (probe.IfMatch is not null) request.Headers.IfMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Parse(probe.IfMatch));
        foreach (var (name, value) in probe.Headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request);
    }
}
