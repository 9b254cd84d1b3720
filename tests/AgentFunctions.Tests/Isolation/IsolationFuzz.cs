using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Isolation;

/// <summary>What a fuzz run did and found.</summary>
public sealed record IsolationReport(
    int Operations,
    int ForeignOperations,
    int RefusedWritesReRead,
    TimeSpan Elapsed,
    IReadOnlyList<string> Leaks,
    IReadOnlyDictionary<string, int> OperationsPerRoute,
    IReadOnlyDictionary<string, int> ForeignPerRoute);

/// <summary>
/// Random mixed operations by several tenants on every route of the route table, each aimed at the caller's own objects
/// or, for routes that name objects, at another tenant's (every named object foreign, or a mix of own and foreign).
/// A leak is: an answer other than 404 to a request naming a foreign object (403 where the caller's role lacks the
/// route's permission, from its <see cref="RouteAccess"/> declaration); any foreign tenant's id or object id in a
/// response body (other than ids the tenant itself sent in a request: a refusal in its own audit trail names what was asked); a foreign object changed by a refused write (its ETag,
/// and the newest run and session under it, re-read from the store after every refused write); or a 5xx.
/// Used by the test suite (10,000 operations) and the benchmark project's soak mode (100,000 and more).
/// </summary>
public sealed partial class IsolationFuzz(Func<string, HttpClient> clientForKey, string platformKey, IDocumentStore store, IReadOnlyList<ApiRoute> routes, int seed)
{
    private const int Tenants = 4;
    private readonly Random random = new(seed);
    private readonly List<TenantWorld> tenants = [];
    private readonly Dictionary<string, int> owners = new(StringComparer.Ordinal);
    private readonly List<string> leaks = [];
    private readonly Dictionary<string, int> perRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> foreignPerRoute = new(StringComparer.Ordinal);
    private int serial;

    private sealed record Actor(string Label, HttpClient Client, string UserId, Role Role);

    /// <param name="Parent">A personal credential's user, or a session's agent.</param>
    private sealed record Owned(string Id, Actor Owner, string? Parent = null);

    private sealed class TenantWorld(int index, string tenantId)
    {
        public int Index { get; } = index;
        public string TenantId { get; } = tenantId;
        public List<Actor> Actors { get; } = [];
        /// <summary>Foreign ids this tenant has sent in a request: its own audit trail may show them back (a refusal names what was asked).</summary>
        public HashSet<string> Sent { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<Owned>> Pools { get; } = new(StringComparer.Ordinal)
        {
            ["agent"] = [], ["run"] = [], ["session"] = [], ["tool"] = [], ["credential"] = [], ["user"] = [], ["key"] = [], ["trigger"] = [],
            ["knowledge_base"] = [], ["document"] = [], ["plan"] = [], ["invoice"] = [],
        };
    }

    /// <summary>Checks that every route has a generator before anything runs, so a new route without one fails at once.</summary>
    public static IReadOnlyList<string> RoutesWithoutGenerators(IReadOnlyList<ApiRoute> routes)
    {
        var dummy = new RouteTargets("t", "a", "1", "x.y", "c", null, "u", "k", "r", "s", "trg");
        var missing = new List<string>();
        foreach (var route in routes)
        {
            try
            {
                RouteProbes.Build(route, dummy, 0);
                RouteProbes.FamiliesOf(route);
                if (route.Access is null) missing.Add($"{route}: no access declaration");
            }
            catch (UnknownRouteException ex)
            {
                missing.Add(ex.Message);
            }
        }
        return missing;
    }

    public async Task<IsolationReport> RunAsync(int operations, CancellationToken cancellationToken = default)
    {
        var missing = RoutesWithoutGenerators(routes);
        if (missing.Count > 0) throw new UnknownRouteException(string.Join("\n", missing));
        for (var i = 0; i < Tenants; i++) tenants.Add(await SeedTenantAsync(i));

        var watch = Stopwatch.StartNew();
        var foreignOps = 0;
        var reread = 0;
        var skipped = 0;
        for (var op = 0; op < operations; op++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var me = tenants[random.Next(tenants.Count)];
            var actor = me.Actors[random.Next(me.Actors.Count)];
            var route = routes[random.Next(routes.Count)];
            var families = RouteProbes.FamiliesOf(route).Where(f => f != "tenant" || route.Parameters.Contains("tenantId")).ToList();
            var foreign = families.Count > 0 && random.Next(2) == 0;
            var (targets, named, foreignNamed) = Targets(me, actor, route, families, foreign);
            if (targets is null)
            {
                // A pool the route needs is empty for now: draw again (bounded, so a route that can never be served fails).
                if (++skipped > operations + 1000) throw new InvalidOperationException($"Could not find targets for {route} and others after {skipped} draws.");
                op--;
                continue;
            }
            var probe = RouteProbes.Build(route, targets, ++serial);
            perRoute[route.Name] = perRoute.GetValueOrDefault(route.Name) + 1;

            var isWrite = probe.Method != HttpMethod.Get;
            var witnesses = foreign && isWrite ? await WitnessAsync(foreignNamed) : null;
            var (status, text) = await SendAsync(actor.Client, probe);

            if (foreign)
            {
                foreignOps++;
                foreignPerRoute[route.Name] = foreignPerRoute.GetValueOrDefault(route.Name) + 1;
                var allowed = ExpectedForForeign(route, actor.Role);
                if (!allowed.Contains(status))
                {
                    leaks.Add($"op {op}: {probe.Method} {probe.Url} by {actor.Label} of tenant {me.Index} on foreign objects answered {(int)status}, expected {string.Join(" or ", allowed.Select(s => (int)s))}: {Truncate(text)}");
                }
                if (witnesses is not null)
                {
                    reread++;
                    var after = await WitnessAsync(foreignNamed);
                    foreach (var (key, value) in witnesses)
                    {
                        if (after[key] != value) leaks.Add($"op {op}: {probe.Method} {probe.Url} by tenant {me.Index} answered {(int)status} but changed foreign {key}");
                    }
                }
            }
            else if (IsSuccess(status))
            {
                Remember(me, actor, route, targets, text);
            }
            if ((int)status >= 500) leaks.Add($"op {op}: {probe.Method} {probe.Url} failed with {(int)status}: {Truncate(text)}");
            me.Sent.UnionWith(named);
            ScanBody(op, me, probe, text);
        }
        watch.Stop();
        return new IsolationReport(operations, foreignOps, reread, watch.Elapsed, leaks, perRoute, foreignPerRoute);
    }

    /// <summary>403 where the role lacks the route's permission, 404 otherwise; either where a service-side rule decides.</summary>
    private static HttpStatusCode[] ExpectedForForeign(ApiRoute route, Role role)
    {
        var access = route.Access!;
        if (access.Caller == RouteCaller.Platform) return [HttpStatusCode.Forbidden];
        if (access.Caller is RouteCaller.Tenant or RouteCaller.PlatformOrTenant && !RolePermissions.Grants(role, access.Permission)) return [HttpStatusCode.Forbidden];
        if (!RolePermissions.Grants(role, access.CheckedInService) || (access.ForOthers != Permission.None && !RolePermissions.Grants(role, access.ForOthers)))
        {
            return [HttpStatusCode.Forbidden, HttpStatusCode.NotFound];
        }
        return [HttpStatusCode.NotFound];
    }

    /// <summary>
    /// Fills a route's parameters from the actor's tenant, or (foreign) with at least one family from another tenant.
    /// Returns null when a pool the route needs is empty or would be emptied.
    /// </summary>
    private (RouteTargets? Targets, HashSet<string> Named, List<(TenantWorld Tenant, string Family, Owned Item)> Foreign) Targets(
        TenantWorld me, Actor actor, ApiRoute route, List<string> families, bool foreign)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        var foreignNamed = new List<(TenantWorld, string, Owned)>();
        var other = tenants.Where(t => t != me).ElementAt(random.Next(tenants.Count - 1));
        var foreignFamilies = new HashSet<string>(StringComparer.Ordinal);
        if (foreign)
        {
            foreach (var family in families) if (random.Next(2) == 0) foreignFamilies.Add(family);
            if (foreignFamilies.Count == 0) foreignFamilies.Add(families[random.Next(families.Count)]);
        }
        var consumes = RouteProbes.Consumes(route);
        Owned? Pick(string family)
        {
            var world = foreignFamilies.Contains(family) ? other : me;
            var pool = world.Pools[family];
            // The actor's own visible objects are not needed: refusals of own objects are the matrix's business.
            if (pool.Count == 0 || (!foreignFamilies.Contains(family) && family == consumes && pool.Count < 2)) return null;
            var item = pool[random.Next(pool.Count)];
            named.Add(item.Id);
            if (world != me) foreignNamed.Add((world, family, item));
            return item;
        }

        var agent = families.Contains("agent") || families.Contains("session") ? Pick("agent") : null;
        Owned? session = null;
        if (families.Contains("session"))
        {
            // A session of the chosen agent when both are own; a foreign one otherwise.
            var world = foreignFamilies.Contains("session") ? other : me;
            var candidates = world.Pools["session"].Where(s => world != me || foreignFamilies.Contains("agent") || s.Parent == agent?.Id).ToList();
            if (candidates.Count == 0) return (null, named, foreignNamed);
            session = candidates[random.Next(candidates.Count)];
            named.Add(session.Id);
            if (world != me) foreignNamed.Add((world, "session", session));
        }
        // A document of its own knowledge base when both are own (its parent); otherwise each side drawn on its own.
        Owned? knowledgeBase = null;
        Owned? document = null;
        if (families.Contains("document"))
        {
            var world = foreignFamilies.Contains("document") ? other : me;
            var pool = world.Pools["document"];
            if (pool.Count == 0 || (world == me && consumes == "document" && pool.Count < 2)) return (null, named, foreignNamed);
            document = pool[random.Next(pool.Count)];
            named.Add(document.Id);
            if (world != me) foreignNamed.Add((world, "document", document));
            if (world == me && !foreignFamilies.Contains("knowledge_base"))
            {
                knowledgeBase = me.Pools["knowledge_base"].FirstOrDefault(k => k.Id == document.Parent);
                if (knowledgeBase is null) return (null, named, foreignNamed);
                named.Add(knowledgeBase.Id);
            }
            else
            {
                knowledgeBase = Pick("knowledge_base");
            }
        }
        else if (families.Contains("knowledge_base"))
        {
            knowledgeBase = Pick("knowledge_base");
        }
        var run = families.Contains("run") ? Pick("run") : null;
        var tool = families.Contains("tool") ? Pick("tool") : null;
        var credential = families.Contains("credential") ? Pick("credential") : null;
        var user = families.Contains("user") ? Pick("user") : null;
        var key = families.Contains("key") ? Pick("key") : null;
        var trigger = families.Contains("trigger") ? Pick("trigger") : null;
        var plan = families.Contains("plan") ? Pick("plan") : null;
        var invoice = families.Contains("invoice") ? Pick("invoice") : null;
        var tenant = foreignFamilies.Contains("tenant") ? other : me;
        if (route.Parameters.Contains("tenantId"))
        {
            named.Add(tenant.TenantId);
            if (tenant != me) foreignNamed.Add((tenant, "tenant", new Owned(tenant.TenantId, tenant.Actors[0])));
        }
        if ((families.Contains("agent") && agent is null) || (families.Contains("run") && run is null) || (families.Contains("tool") && tool is null)
            || (families.Contains("credential") && credential is null) || (families.Contains("user") && user is null) || (families.Contains("key") && key is null)
            || (families.Contains("trigger") && trigger is null) || (families.Contains("plan") && plan is null) || (families.Contains("invoice") && invoice is null)
            || (families.Contains("knowledge_base") && knowledgeBase is null))
        {
            return (null, named, foreignNamed);
        }
        var targets = new RouteTargets(tenant.TenantId, agent?.Id ?? "none", "1", tool?.Id ?? "none.none", credential?.Id ?? "none",
            credential?.Parent, user?.Id ?? actor.UserId, key?.Id ?? "none", run?.Id ?? "none", session?.Id ?? "none", trigger?.Id ?? "none", null, knowledgeBase?.Id ?? "none", document?.Id ?? "none",
            plan?.Id ?? "none", invoice?.Id ?? "none");
        return (targets, named, foreignNamed);
    }

    /// <summary>The state of the foreign objects a write names, read from the store: ETags, and the newest run and session under them.</summary>
    private async Task<Dictionary<string, string>> WitnessAsync(List<(TenantWorld Tenant, string Family, Owned Item)> named)
    {
        var witness = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (world, family, item) in named)
        {
            var documents = store.For(new TenantId(world.TenantId));
            var kind = family switch { "key" => "api_key", var f => f };
            witness[$"{family} {item.Id}"] = family == "document"
                ? await SettledDocumentAsync(documents, item.Id)
                : (await documents.ReadAsync(kind, item.Id))?.ETag ?? "absent";
            if (family is "agent" or "session")
            {
                var field = family == "agent" ? "agent_id" : "session_id";
                witness[$"newest run under {family} {item.Id}"] = await NewestAsync(documents, "run", field, item.Id);
                if (family == "agent") witness[$"newest session under agent {item.Id}"] = await NewestAsync(documents, "session", field, item.Id);
                else witness[$"newest message of session {item.Id}"] = await NewestAsync(documents, "message", field, item.Id);
            }
        }
        return witness;
    }

    /// <summary>
    /// A knowledge document's ETag once its ingestion has finished: the ingestion worker moves it from <c>indexing</c> to
    /// <c>indexed</c> or <c>failed</c> in the background, a change of its own tenant's making that must not read as a leak.
    /// </summary>
    private static async Task<string> SettledDocumentAsync(ITenantDocuments documents, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            var stored = await documents.ReadAsync("document", id);
            if (stored is null) return "absent";
            using var json = JsonDocument.Parse(stored.Json);
            var indexing = json.RootElement.TryGetProperty("status", out var status) && status.ValueEquals("indexing");
            if (!indexing || attempt == 200) return stored.ETag;
            await Task.Delay(50);
        }
    }

    private static async Task<string> NewestAsync(ITenantDocuments documents, string kind, string field, string id)
    {
        var page = await documents.QueryPageAsync(kind, [new FieldEquals(field, id)], new DocumentPageRequest(1, Descending: true));
        return page.Items.Count == 0 ? "none" : page.Items[0].Id + "@" + page.Items[0].ETag;
    }

    /// <summary>Adds what an own create made to its tenant's pools; drops what an own delete or revoke used up.</summary>
    private void Remember(TenantWorld me, Actor actor, ApiRoute route, RouteTargets targets, string text)
    {
        switch (RouteProbes.Consumes(route))
        {
            case "key":
                me.Pools["key"].RemoveAll(k => k.Id == targets.KeyId);
                return;
            case "credential":
                me.Pools["credential"].RemoveAll(c => c.Id == targets.CredentialId);
                return;
            case "trigger":
                me.Pools["trigger"].RemoveAll(t => t.Id == targets.TriggerId);
                return;
            case "knowledge_base":
                me.Pools["knowledge_base"].RemoveAll(k => k.Id == targets.KnowledgeBaseId);
                me.Pools["document"].RemoveAll(d => d.Parent == targets.KnowledgeBaseId);
                return;
            case "document":
                me.Pools["document"].RemoveAll(d => d.Id == targets.DocumentId);
                return;
        }
        var (family, path) = route.Name switch
        {
            "CreateAgent" => ("agent", "id"),
            "ExecuteAgent" or "SendSessionMessage" => ("run", "id"),
            "CreateSession" => ("session", "id"),
            "RegisterTool" => ("tool", "id"),
            "CreateCredential" => ("credential", "credential_id"),
            "CreateUser" => ("user", "id"),
            "CreateApiKey" => ("key", "api_key.id"),
            "CreateTrigger" => ("trigger", "id"),
            "CreateKnowledgeBase" => ("knowledge_base", "id"),
            "UploadDocument" => ("document", "id"),
            "CreateInvoiceDraft" => ("invoice", "id"),
            _ => (null, null),
        };
        if (family is null) return;
        var node = JsonNode.Parse(text);
        foreach (var part in path!.Split('.')) node = node?[part];
        if (node?.GetValue<string>() is not { } id) return;
        me.Pools[family].Add(new Owned(id, actor, family switch { "session" => targets.AgentId, "document" => targets.KnowledgeBaseId, _ => null }));
        owners[id] = me.Index;
    }

    private void ScanBody(int op, TenantWorld me, Probe probe, string text)
    {
        foreach (Match token in Token().Matches(text))
        {
            // The whole token (tool names hold a dot) and its dotted parts (a version id is the agent id and ".v000001").
            var whole = token.Value.TrimEnd('.', '-');
            foreach (var value in whole.Split('.').Append(whole).Distinct(StringComparer.Ordinal))
            {
                if (owners.TryGetValue(value, out var owner) && owner != me.Index && !me.Sent.Contains(value))
                {
                    leaks.Add($"op {op}: {probe.Method} {probe.Url} answer names {value} of tenant {owner}: {Truncate(text)}");
                }
            }
        }
    }

    private async Task<TenantWorld> SeedTenantAsync(int index)
    {
        var platform = clientForKey(platformKey);
        var created = await PostAsync(platform, "/api/v1/tenants", new { name = $"Fuzz {index}", admin = new { email = $"admin{index}@fuzz.example" } });
        var world = new TenantWorld(index, created["tenant"]!["id"]!.GetValue<string>());
        owners[world.TenantId] = index;
        var adminId = created["admin"]!["id"]!.GetValue<string>();
        var admin = new Actor($"admin of {index}", clientForKey(created["admin_key"]!["key"]!.GetValue<string>()), adminId, Role.Admin);
        var operatorId = (await PostAsync(admin.Client, "/api/v1/users", new { email = $"op{index}@fuzz.example", role = "operator" }))["id"]!.GetValue<string>();
        var operatorIssued = await PostAsync(admin.Client, "/api/v1/keys", new { name = "operator", user_id = operatorId });
        var narrowedIssued = await PostAsync(admin.Client, "/api/v1/keys", new { name = "narrowed", role = "viewer" });
        var operatorKey = operatorIssued["key"]!.GetValue<string>();
        var narrowedKey = narrowedIssued["key"]!.GetValue<string>();
        owners[operatorIssued["api_key"]!["id"]!.GetValue<string>()] = index;
        owners[narrowedIssued["api_key"]!["id"]!.GetValue<string>()] = index;
        owners[created["admin_key"]!["api_key"]!["id"]!.GetValue<string>()] = index;
        var operatorActor = new Actor($"operator of {index}", clientForKey(operatorKey), operatorId, Role.Operator);
        world.Actors.AddRange([admin, operatorActor, new Actor($"admin's viewer key of {index}", clientForKey(narrowedKey), adminId, Role.Viewer)]);
        foreach (var (id, actor) in new[] { (adminId, admin), (operatorId, operatorActor) })
        {
            world.Pools["user"].Add(new Owned(id, actor));
            owners[id] = index;
        }

        async Task AddAsync(string family, Actor actor, string url, object body, string path = "id", string? parent = null)
        {
            var node = await PostAsync(actor.Client, url, body);
            var id = node[path]!.GetValue<string>();
            world.Pools[family].Add(new Owned(id, actor, parent));
            owners[id] = index;
        }

        foreach (var (actor, scope) in new[] { (admin, "team"), (admin, "team"), (operatorActor, "user") })
        {
            await AddAsync("agent", actor, "/api/v1/agents", new { name = $"fuzz {scope}", scope });
            var agent = world.Pools["agent"][^1];
            await AddAsync("run", actor, $"/api/v1/agents/{agent.Id}/execute", new { input = "hello" });
            await AddAsync("session", actor, $"/api/v1/agents/{agent.Id}/sessions", new { title = "fuzz" }, parent: agent.Id);
            await AddAsync("trigger", actor, $"/api/v1/agents/{agent.Id}/triggers", new { system = "webhook" }, parent: agent.Id);
        }
        for (var i = 0; i < 2; i++)
        {
            var name = $"fz{index}x{Guid.NewGuid():N}"[..20] + $".tool_{i}";
            await PostAsync(admin.Client, "/api/v1/tools/register", new { name, description = "fuzz", kind = "http", input_schema = new { type = "object" },
                http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } } });
            world.Pools["tool"].Add(new Owned(name, admin));
            owners[name] = index;
        }
        await AddAsync("credential", admin, $"/api/v1/tenants/{world.TenantId}/credentials", new { credentials = new { token = "fuzz" } }, "credential_id");
        await AddAsync("credential", admin, $"/api/v1/tenants/{world.TenantId}/credentials", new { credentials = new { token = "fuzz" } }, "credential_id");
        var personal = await PostAsync(operatorActor.Client, $"/api/v1/tenants/{world.TenantId}/credentials", new { user_id = operatorId, credentials = new { token = "fuzz" } });
        world.Pools["credential"].Add(new Owned(personal["credential_id"]!.GetValue<string>(), operatorActor, operatorId));
        owners[world.Pools["credential"][^1].Id] = index;
        for (var i = 0; i < 2; i++)
        {
            await AddAsync("knowledge_base", admin, "/api/v1/knowledge-bases", new { name = $"fuzz {i}" });
            var knowledgeBase = world.Pools["knowledge_base"][^1].Id;
            await AddAsync("document", admin, $"/api/v1/knowledge-bases/{knowledgeBase}/documents?name=fuzz{i}.json", new { text = $"fuzz document {index} {i}" }, parent: knowledgeBase);
        }
        // Plans are the platform's: the same plan id stands in every tenant's pool (their routes take the platform key only).
        world.Pools["plan"].Add(new Owned("free", admin));
        await AddAsync("invoice", admin, "/api/v1/invoices/drafts", new { period = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) });
        for (var i = 0; i < 2; i++)
        {
            var issued = await PostAsync(admin.Client, "/api/v1/keys", new { name = $"fuzz {i}", user_id = operatorId });
            var id = issued["api_key"]!["id"]!.GetValue<string>();
            world.Pools["key"].Add(new Owned(id, operatorActor));
            owners[id] = index;
        }
        return world;
    }

    private static async Task<JsonNode> PostAsync(HttpClient client, string url, object body)
    {
        using var response = await client.PostAsync(url, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Seeding {url} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<(HttpStatusCode Status, string Text)> SendAsync(HttpClient client, Probe probe)
    {
        using var response = await client.SendProbeAsync(probe);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

    [GeneratedRegex("[A-Za-z0-9_.\\-]{6,}")]
    private static partial Regex Token();
}
