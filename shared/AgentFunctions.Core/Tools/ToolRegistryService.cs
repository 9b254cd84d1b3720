using System.Text.Json;
using System.Text.RegularExpressions;
using AgentFunctions.Access;
using AgentFunctions.Agents;
using AgentFunctions.Common;
using AgentFunctions.Common.Paging;
using AgentFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tools;

/// <summary>
/// The tenant's tool registry. Names are <c>namespace.name</c>; the <c>builtin</c> namespace is reserved. Schemas are
/// checked at registration, HTTP tools must name the hosts they may call, and auth is a credential id, never a secret.
/// </summary>
public sealed partial class ToolRegistryService(IDocumentStore store, TimeProvider time, ILogger<ToolRegistryService> logger)
{
    private static readonly HashSet<string> HttpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    private static readonly JsonElement EmptyObjectSchema = JsonDocument.Parse("{\"type\":\"object\"}").RootElement.Clone();

    public async Task<Versioned<ToolDefinition>> RegisterAsync(Caller caller, ToolInput input, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTools);
        var now = time.GetUtcNow();
        var tool = await ValidateAsync(caller, input, input.Name, version: 1, createdAt: now, now, cancellationToken).ConfigureAwait(false);
        try
        {
            var created = await store.For(caller.Tenant).CreateAsync(tool, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Tool {ToolName} ({ToolKind}) registered in tenant {TenantId}", tool.Id, tool.ToolKind, caller.Tenant.Value);
            return created;
        }
        catch (DocumentConflictException)
        {
            throw new ConflictException($"Tool '{tool.Id}' exists already; PUT /api/v1/tools/{tool.Id} replaces it.");
        }
    }

    public async Task<Versioned<ToolDefinition>> GetAsync(Caller caller, string name, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        return (NamePattern().IsMatch(name) ? await store.For(caller.Tenant).GetAsync<ToolDefinition>(name, cancellationToken).ConfigureAwait(false) : null)
            ?? throw new NotFoundException("Tool");
    }

    public async Task<ListPage<ToolDefinition>> ListAsync(Caller caller, ListRequest request, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ViewAgents);
        var page = await ListCursor.ReadAsync<ToolDefinition>(store.For(caller.Tenant), "tools", request, newestFirst: false, cancellationToken).ConfigureAwait(false);
        return page.Select(t => t.Value);
    }

    public async Task<Versioned<ToolDefinition>> ReplaceAsync(Caller caller, string name, ToolInput input, string? ifMatch, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTools);
        if (string.IsNullOrEmpty(ifMatch)) throw new PreconditionRequiredException("Send the tool's ETag in If-Match (GET the tool first).");
        var current = await GetAsync(caller, name, cancellationToken).ConfigureAwait(false);
        if (input.Name is not null && input.Name != name) throw ValidationFailedException.For("name", "cannot be changed; register a new tool instead");
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The tool changed since you read it.");
        var tool = await ValidateAsync(caller, input, name, current.Value.Version + 1, current.Value.CreatedAt, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var replaced = await store.For(caller.Tenant).ReplaceAsync(tool, current.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Tool {ToolName} replaced with version {Version}", tool.Id, tool.Version);
        return replaced;
    }

    public async Task DeleteAsync(Caller caller, string name, string? ifMatch, CancellationToken cancellationToken = default)
    {
        caller.Demand(Permission.ManageTools);
        var current = await GetAsync(caller, name, cancellationToken).ConfigureAwait(false);
        var agents = await store.For(caller.Tenant).ListAsync<Agent>(cancellationToken).ConfigureAwait(false);
        var users = agents.Where(a => a.Value.Spec.Tools.Any(t => t == name || t.StartsWith(name + ".", StringComparison.Ordinal))).Select(a => a.Value.Id).ToList();
        if (users.Count > 0)
        {
            throw new ConflictException($"Tool '{name}' is in the allowlist of agents {string.Join(", ", users)}; remove it there first.");
        }
        if (!current.Matches(ifMatch)) throw new PreconditionFailedException("The tool changed since you read it.");
        await store.For(caller.Tenant).DeleteAsync<ToolDefinition>(name, current.ETag, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Tool {ToolName} deleted", name);
    }

    /// <summary>The names in <paramref name="names"/> that are neither builtins nor registered in the tenant.</summary>
    public async Task<IReadOnlyList<string>> MissingAsync(TenantId tenant, IReadOnlyList<string> names, CancellationToken cancellationToken = default)
    {
        var missing = new List<string>();
        var partition = store.For(tenant);
        foreach (var name in names)
        {
            if (BuiltinToolNames.IsBuiltin(name)) continue;
            if (NamePattern().IsMatch(name) && await partition.ReadAsync(ToolDefinition.Kind, name, cancellationToken).ConfigureAwait(false) is not null) continue;
            // {entry}.{tool} or {entry}.* names tools listed by a whole-server MCP entry.
            if (name.Length <= 160 && name.Count(c => c == '.') == 2
                && await Engine.Tools.ToolDirectory.FindServerEntryAsync(partition, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                continue;
            }
            missing.Add(name);
        }
        return missing;
    }

    private async Task<ToolDefinition> ValidateAsync(Caller caller, ToolInput input, string? name, int version, DateTimeOffset createdAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var v = new Validation();
        if (string.IsNullOrEmpty(name) || !NamePattern().IsMatch(name))
        {
            v.Add("name", "must be 'namespace.name': lower-case letters, digits and '_', each part starting with a letter, at most 64 characters");
        }
        else if (name.StartsWith("builtin.", StringComparison.Ordinal) != (input.Kind == ToolKind.Builtin))
        {
            v.Add("name", "the 'builtin' namespace holds only settings records (kind 'builtin') for the platform's builtin tools");
        }
        else if (input.Kind == ToolKind.Builtin && !BuiltinToolNames.IsBuiltin(name))
        {
            v.Add("name", $"is not a builtin tool; builtins are {string.Join(", ", BuiltinToolNames.All.Order())}");
        }
        var isBuiltinSettings = input.Kind == ToolKind.Builtin;
        if (isBuiltinSettings)
        {
            // A tenant's settings for a builtin (e.g. the hosts builtin.http_fetch may reach); the builtin brings its own schema.
            input = input with { Description = input.Description ?? $"Settings for {name}", InputSchema = input.InputSchema ?? EmptyObjectSchema };
        }
        v.RequireText(input.Description, "description", 1024);
        if (input.Kind is null) v.Add("kind", "is required: http, agent, mcp (or builtin for a builtin's settings)");

        if (input.InputSchema is { } schema) JsonSchemaRules.Check(schema, "input_schema", v, requireObjectRoot: true);
        else v.Add("input_schema", "is required");
        if (input.OutputSchema is { } output) JsonSchemaRules.Check(output, "output_schema", v, requireObjectRoot: false);

        var timeout = input.TimeoutSeconds ?? 30;
        var retries = input.Retries ?? 0;
        v.Require(timeout is >= 1 and <= 300, "timeout_seconds", "must be between 1 and 300")
         .Require(retries is >= 0 and <= 5, "retries", "must be between 0 and 5")
         .Require(input.RateLimitPerMinute is null or (>= 1 and <= 100_000), "rate_limit_per_minute", "must be between 1 and 100000")
         .Require(input.RedactFields is null || (input.RedactFields.Count <= 64 && input.RedactFields.All(f => !string.IsNullOrWhiteSpace(f) && f.Length <= 128)), "redact_fields", "at most 64 non-empty field names");

        switch (input.Kind)
        {
            case ToolKind.Builtin:
                v.Require(input.Agent is null && input.Mcp is null, "kind", "a builtin's settings take only the 'http' section (allowed_hosts)");
                if (input.Http is { } hosts)
                {
                    v.Require(hosts.AllowedHosts is { Count: > 0 and <= 32 } && hosts.AllowedHosts.All(h => HostPattern().IsMatch(h.TrimStart('*', '.'))), "http.allowed_hosts", "must list 1-32 host names");
                    v.Require(hosts.CredentialId is null && hosts.Headers is null, "http", "a builtin's settings hold hosts only");
                    input = input with { Http = hosts with { Method = "GET", UrlTemplate = hosts.UrlTemplate ?? string.Empty } };
                }
                break;
            case ToolKind.Http:
                CheckHttp(input.Http, v);
                v.Require(input.Agent is null && input.Mcp is null, "kind", "an http tool takes only the 'http' section");
                break;
            case ToolKind.Agent:
                v.Require(input.Http is null && input.Mcp is null, "kind", "an agent tool takes only the 'agent' section");
                if (input.Agent is null || !Ids.LooksValid(input.Agent.AgentId))
                {
                    v.Add("agent.agent_id", "is required");
                }
                else if (await store.For(caller.Tenant).ReadAsync(Agent.Kind, input.Agent.AgentId, cancellationToken).ConfigureAwait(false) is null)
                {
                    v.Add("agent.agent_id", "names no agent of this tenant");
                }
                break;
            case ToolKind.Mcp:
                v.Require(input.Http is null && input.Agent is null, "kind", "an mcp tool takes only the 'mcp' section");
                CheckMcp(input.Mcp, v);
                break;
        }
        await CheckCredentialAsync(caller, input.Http?.CredentialId, "http.credential_id", v, cancellationToken).ConfigureAwait(false);
        if (input.Kind == ToolKind.Mcp) await CheckCredentialAsync(caller, input.Mcp?.CredentialId, "mcp.credential_id", v, cancellationToken).ConfigureAwait(false);
        v.ThrowIfInvalid();

        return new ToolDefinition(name!, caller.Tenant, input.Description!.Trim(), input.Kind!.Value, input.InputSchema!.Value.Clone(), input.OutputSchema?.Clone(),
            Normalise(input.Http), input.Agent, input.Mcp, timeout, retries, input.RateLimitPerMinute, input.RedactFields ?? [], input.RequiresApproval ?? false,
            version, createdAt, now);
    }

    /// <summary>A tool may name only a credential that exists in the tenant; where its secret may go is the credential's own allowed_hosts.</summary>
    private async Task CheckCredentialAsync(Caller caller, string? credentialId, string field, Validation v, CancellationToken cancellationToken)
    {
        if (credentialId is null) return;
        if (!Credentials.Credential.IsWellFormedId(credentialId))
        {
            v.Add(field, "is not a credential id (cred_...)");
        }
        else if (await store.For(caller.Tenant).ReadAsync(Credentials.Credential.Kind, credentialId, cancellationToken).ConfigureAwait(false) is null)
        {
            v.Add(field, "names no credential of this tenant");
        }
    }

    private static HttpToolSpec? Normalise(HttpToolSpec? http) =>
        http is null ? null : http with { Method = http.Method.ToUpperInvariant(), AllowedHosts = http.AllowedHosts.Select(h => h.ToLowerInvariant()).ToList() };

    private static void CheckHttp(HttpToolSpec? http, Validation v)
    {
        if (http is null)
        {
            v.Add("http", "is required for an http tool");
            return;
        }
        v.Require(http.Method is not null && HttpMethods.Contains(http.Method.ToUpperInvariant()), "http.method", "must be GET, POST, PUT, PATCH or DELETE");
        v.Require(http.AllowedHosts is { Count: > 0 and <= 32 } && http.AllowedHosts.All(h => HostPattern().IsMatch(h)), "http.allowed_hosts", "must list 1-32 host names");
        if (string.IsNullOrWhiteSpace(http.UrlTemplate) || http.UrlTemplate.Length > 2048)
        {
            v.Add("http.url_template", "is required (at most 2048 characters)");
            return;
        }
        // The host must be fixed: a template variable in the authority would let model input choose where the call goes.
        var probe = TemplateVariable().Replace(http.UrlTemplate, "x");
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            v.Add("http.url_template", "must be an absolute http(s) URL");
            return;
        }
        var authorityEnd = http.UrlTemplate.IndexOf('/', http.UrlTemplate.IndexOf("//", StringComparison.Ordinal) + 2);
        var authority = authorityEnd < 0 ? http.UrlTemplate : http.UrlTemplate[..authorityEnd];
        if (authority.Contains('{')) v.Add("http.url_template", "the host may not contain template variables");
        if (http.AllowedHosts is { Count: > 0 } hosts && !hosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
        {
            v.Add("http.allowed_hosts", $"must include the template's host '{uri.Host}'");
        }
        if (http.Headers is { } headers)
        {
            v.Require(headers.Count <= 32, "http.headers", "at most 32 headers");
            // Refused here rather than failing every call later: a null value, a name that is not an HTTP token,
            // or a line break (header injection) can never be sent.
            foreach (var (name, value) in headers)
            {
                if (name.Length is 0 or > 128 || !name.All(IsHeaderTokenChar))
                {
                    v.Add("http.headers", "header names must be 1-128 characters of an HTTP token");
                }
                else if (value is null)
                {
                    v.Add($"http.headers.{name}", "must be a string");
                }
                else if (value.Length > 4096 || value.Any(c => c is '\r' or '\n' or '\0'))
                {
                    v.Add($"http.headers.{name}", "must be at most 4096 characters without line breaks");
                }
            }
            foreach (var name in headers.Keys.Where(h => h.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || h.Contains("key", StringComparison.OrdinalIgnoreCase) || h.Contains("token", StringComparison.OrdinalIgnoreCase)))
            {
                v.Add($"http.headers.{name}", "secrets belong in a credential (credential_id + credential_placement), not in the tool definition");
            }
        }
        if (http.CredentialPlacement is { } placement)
        {
            v.Require(http.CredentialId is not null, "http.credential_placement", "needs a credential_id");
            v.Require(!string.IsNullOrWhiteSpace(placement.Header) && placement.Header.Length <= 128, "http.credential_placement.header", "is required");
        }
    }

    private static void CheckMcp(McpToolSpec? mcp, Validation v)
    {
        if (mcp is null)
        {
            v.Add("mcp", "is required for an mcp tool");
            return;
        }
        if (!Uri.TryCreate(mcp.ServerUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            v.Add("mcp.server_url", "must be an absolute http(s) URL");
        }
        else if (mcp.AllowedHosts is null || !mcp.AllowedHosts.Contains(uri.Host, StringComparer.OrdinalIgnoreCase))
        {
            v.Add("mcp.allowed_hosts", $"must include the server's host '{uri.Host}'");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,30}\\.[a-z][a-z0-9_]{0,31}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9.-]{1,253}$")]
    private static partial Regex HostPattern();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex TemplateVariable();

    private static bool IsHeaderTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
