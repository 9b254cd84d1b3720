using System.Net;
using AgentFunctions.Access;
using AgentFunctions.Api.Http;
using AgentFunctions.Common;
using AgentFunctions.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentFunctions.Tests.Access;

/// <summary>
/// The authorization matrix, derived from the route table: every route of the live host × every principal (no key, the
/// platform key, admin, operator and viewer users, and keys narrowed to a lower role) × shared objects and another
/// user's personal ones (a user-scoped agent, its runs and sessions, a personal credential, another user's record and
/// keys). The expected answer comes from the route's own <see cref="RouteAccess"/> declaration and the permission table
/// (<see cref="RolePermissions"/>); each call is made for real. A route without a declaration, or without a request
/// generator (<see cref="RouteProbes"/>), fails the test, so routes added later are covered by construction.
/// </summary>
public sealed class AuthorizationMatrixTests(PlatformFactory factory, ITestOutputHelper output) : IClassFixture<PlatformFactory>
{
    private enum Variant
    {
        /// <summary>Team objects made by the admin; the user and key targets are the caller's own.</summary>
        Shared,

        /// <summary>The owner's personal objects; the user and key targets are the owner's.</summary>
        Personal,
    }

    private enum Expect
    {
        Allowed,
        Unauthorized,
        Forbidden,
        NotFound,

        /// <summary>Refused as forbidden or as not found (acting on another user's record or key without the permission for it).</summary>
        Refused,
    }

    private sealed record Principal(string Label, HttpClient Client, string? UserId, Role? Role, bool Platform = false);

    private sealed record World(SeededTenant Tenant, SeededUser Admin, SeededUser Owner, Dictionary<Variant, RouteTargets> Targets);

    [Fact]
    public async Task EveryRoute_EveryPrincipal_AnswersWhatTheDeclarationAndThePermissionTableSay()
    {
        var routes = RouteTable.Read(factory.Services.GetRequiredService<EndpointDataSource>());
        var undeclared = routes.Where(r => r.Access is null).Select(r => $"{r}: no access declaration; add .RequiresPermission(...), .Platform(), .AnyKey() or .Anonymous()").ToList();
        Assert.True(undeclared.Count == 0, string.Join("\n", undeclared));
        Assert.True(routes.Count >= 48, $"only {routes.Count} routes read from the table");

        var world = await SeedAsync();
        var principals = await PrincipalsAsync(world);
        var failures = new List<string>();
        var calls = 0;
        var outcomes = new Dictionary<Expect, int>();
        var serial = 0;
        foreach (var route in routes)
        {
            foreach (var principal in principals)
            {
                foreach (var variant in principal.Role is null ? [Variant.Shared] : new[] { Variant.Shared, Variant.Personal })
                {
                    var targets = await TargetsForAsync(world, route, principal, variant);
                    var probe = RouteProbes.Build(route, targets, ++serial);
                    var expected = Expected(route, principal, variant, world);
                    using var response = await principal.Client.SendProbeAsync(probe);
                    var text = await response.Content.ReadAsStringAsync();
                    calls++;
                    outcomes[expected] = outcomes.GetValueOrDefault(expected) + 1;
                    if (!Matches(expected, probe.Method, response.StatusCode))
                    {
                        failures.Add($"{route} as {principal.Label} on {variant.ToString().ToLowerInvariant()} objects: expected {expected}, got {(int)response.StatusCode} {Truncate(text)}");
                    }
                }
            }
        }

        output.WriteLine($"{routes.Count} routes, {principals.Count} principals, {calls} calls: " + string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} of {calls} calls disagree with the declarations:\n" + string.Join("\n", failures.Take(40)));
        // Every kind of answer happened, so the matrix is not vacuous.
        Assert.All(Enum.GetValues<Expect>(), e => Assert.True(outcomes.GetValueOrDefault(e) > 0, $"no call expected {e}"));
    }

    [Fact]
    public void RouteProbes_RouteWithoutGenerator_FailsLoudly()
    {
        var route = new ApiRoute("BrandNewRoute", "GET", "/api/v1/things/{thingId}", new RouteAccess(RouteCaller.Tenant, Permission.ViewAgents));
        var targets = new RouteTargets("t", "a", "1", "tool", "cred", null, "u", "k", "r", "s");

        Assert.Throws<UnknownRouteException>(() => RouteProbes.Build(route, targets, 1));
        Assert.Throws<UnknownRouteException>(() => RouteProbes.FamiliesOf(route));
    }

    private static Expect Expected(ApiRoute route, Principal principal, Variant variant, World world)
    {
        var access = route.Access!;
        if (principal.Role is not { } role)
        {
            if (!principal.Platform) return access.Caller == RouteCaller.Anonymous ? Expect.Allowed : Expect.Unauthorized;
            return access.Caller is RouteCaller.Anonymous or RouteCaller.Platform or RouteCaller.AnyKey or RouteCaller.PlatformOrTenant ? Expect.Allowed : Expect.Forbidden;
        }
        switch (access.Caller)
        {
            case RouteCaller.Anonymous or RouteCaller.AnyKey:
                return Expect.Allowed;
            case RouteCaller.Platform:
                return Expect.Forbidden;
        }
        if (!RolePermissions.Grants(role, access.Permission) || !RolePermissions.Grants(role, access.CheckedInService)) return Expect.Forbidden;
        var userId = principal.UserId!;
        var ownerOfPersonal = variant == Variant.Personal ? world.Owner.UserId : null;
        foreach (var family in RouteProbes.FamiliesOf(route))
        {
            var visible = family switch
            {
                "tenant" or "tool" => true,
                // A user-scoped agent is its owner's alone, whatever the role.
                "agent" => ownerOfPersonal is null || userId == ownerOfPersonal,
                // A run: its user, an admin, or the team of a team agent's run.
                "run" => ownerOfPersonal is null || userId == ownerOfPersonal || role == Role.Admin,
                // A session: its user or an admin (shared sessions belong to the admin user).
                "session" => userId == (ownerOfPersonal ?? world.Admin.UserId) || role == Role.Admin,
                // A personal credential: its own user only, even for an admin.
                "credential" => ownerOfPersonal is null || userId == ownerOfPersonal,
                // A trigger is visible with its agent.
                "trigger" => ownerOfPersonal is null || userId == ownerOfPersonal,
                // Knowledge bases and their documents are the tenant's, like tools.
                "knowledge_base" or "document" => true,
                // Plans are the platform's (platform key only); invoices are the tenant's, for view_billing.
                "plan" or "invoice" => true,
                "user" or "key" => ownerOfPersonal is null || userId == ownerOfPersonal || access.ForOthers == Permission.None || RolePermissions.Grants(role, access.ForOthers),
                _ => throw new UnknownRouteException($"{route}: no visibility rule for family '{family}'"),
            };
            if (!visible) return family is "user" or "key" ? Expect.Refused : Expect.NotFound;
        }
        return Expect.Allowed;
    }

    private static bool Matches(Expect expected, HttpMethod method, HttpStatusCode status) => expected switch
    {
        // Allowed: GETs answer 200; changes may still be refused for what they ask (400, 409, 412), never for who asks.
        Expect.Allowed => method == HttpMethod.Get ? status == HttpStatusCode.OK
            : status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound) && (int)status < 500,
        Expect.Unauthorized => status == HttpStatusCode.Unauthorized,
        Expect.Forbidden => status == HttpStatusCode.Forbidden,
        Expect.NotFound => status == HttpStatusCode.NotFound,
        Expect.Refused => status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound,
        _ => false,
    };

    private async Task<World> SeedAsync()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var admin = tenant.First;
        await tenant.AddUserAsync(Role.Operator);
        await tenant.AddUserAsync(Role.Viewer);
        var owner = await tenant.AddUserAsync(Role.Operator);

        var sharedAgent = await CreateAsync(admin.Client, "/api/v1/agents", new { name = "shared", scope = "team" });
        var sharedRun = await CreateAsync(admin.Client, $"/api/v1/agents/{sharedAgent}/execute", new { input = "hello" }, HttpStatusCode.OK);
        var sharedSession = await CreateAsync(admin.Client, $"/api/v1/agents/{sharedAgent}/sessions", new { title = "shared" });
        var tool = $"matrix.tool_{Guid.NewGuid():N}"[..36];
        await (await admin.Client.PostJsonAsync("/api/v1/tools/register", new { name = tool, description = "d", kind = "http", input_schema = new { type = "object" },
            http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } } })).ExpectAsync(HttpStatusCode.Created);
        var sharedCredential = await CreateCredentialAsync(admin.Client, tenant.Tenant, null);

        var personalAgent = await CreateAsync(owner.Client, "/api/v1/agents", new { name = "mine", scope = "user" });
        var personalRun = await CreateAsync(owner.Client, $"/api/v1/agents/{personalAgent}/execute", new { input = "hello" }, HttpStatusCode.OK);
        var personalSession = await CreateAsync(owner.Client, $"/api/v1/agents/{personalAgent}/sessions", new { title = "mine" });
        var personalCredential = await CreateCredentialAsync(owner.Client, tenant.Tenant, owner.UserId);
        var sharedTrigger = await (await admin.Client.PostJsonAsync($"/api/v1/agents/{sharedAgent}/triggers", new { system = "webhook" })).ExpectAsync(HttpStatusCode.Created);
        var personalTrigger = await (await owner.Client.PostJsonAsync($"/api/v1/agents/{personalAgent}/triggers", new { system = "webhook" })).ExpectAsync(HttpStatusCode.Created);

        var knowledgeBase = await CreateAsync(admin.Client, "/api/v1/knowledge-bases", new { name = "matrix" });
        var document = await UploadAsync(admin.Client, knowledgeBase);

        var plan = $"matrix-{Guid.NewGuid():N}"[..20];
        await (await factory.ClientWithKey(factory.PlatformKey).SendJsonAsync(HttpMethod.Put, $"/api/v1/plans/{plan}", new { limits = new { }, prices = new { } })).ExpectAsync(HttpStatusCode.OK);
        var invoice = await CreateAsync(admin.Client, "/api/v1/invoices/drafts",
            new { period = DateTimeOffset.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) }, HttpStatusCode.OK);

        var targets = new Dictionary<Variant, RouteTargets>
        {
            [Variant.Shared] = new(tenant.Tenant.Value, sharedAgent, "1", tool, sharedCredential, null, "", "", sharedRun, sharedSession,
                sharedTrigger["id"]!.GetValue<string>(), sharedTrigger["signing_secret"]!.GetValue<string>(), knowledgeBase, document, plan, invoice),
            [Variant.Personal] = new(tenant.Tenant.Value, personalAgent, "1", tool, personalCredential, owner.UserId, owner.UserId, "", personalRun, personalSession,
                personalTrigger["id"]!.GetValue<string>(), personalTrigger["signing_secret"]!.GetValue<string>(), knowledgeBase, document, plan, invoice),
        };
        return new World(tenant, admin, owner, targets);
    }

    private async Task<List<Principal>> PrincipalsAsync(World world)
    {
        var users = world.Tenant.Users;
        var (admin, operatorUser, viewer, owner) = (users[0], users[1], users[2], users[3]);
        return
        [
            new("no key", factory.CreateClient(), null, null),
            new("platform key", factory.ClientWithKey(factory.PlatformKey), null, null, Platform: true),
            new("admin", admin.Client, admin.UserId, Role.Admin),
            new("admin's key narrowed to operator", await NarrowedAsync(factory, admin, Role.Operator), admin.UserId, Role.Operator),
            new("admin's key narrowed to viewer", await NarrowedAsync(factory, admin, Role.Viewer), admin.UserId, Role.Viewer),
            new("operator", operatorUser.Client, operatorUser.UserId, Role.Operator),
            new("operator's key narrowed to viewer", await NarrowedAsync(factory, operatorUser, Role.Viewer), operatorUser.UserId, Role.Viewer),
            new("viewer", viewer.Client, viewer.UserId, Role.Viewer),
            new("owner of the personal objects", owner.Client, owner.UserId, Role.Operator),
        ];
    }

    /// <summary>A key <paramref name="user"/> makes for itself with a lower role, through the API.</summary>
    private static async Task<HttpClient> NarrowedAsync(PlatformFactory factory, SeededUser user, Role role)
    {
        var issued = await (await user.Client.PostJsonAsync("/api/v1/keys", new { name = "narrowed", role = role.ToString().ToLowerInvariant() })).ExpectAsync(HttpStatusCode.Created);
        var client = factory.ClientWithKey(issued["key"]!.GetValue<string>());
        var me = await (await client.GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(role.ToString().ToLowerInvariant(), me["effective_role"]!.GetValue<string>());
        return client;
    }

    /// <summary>The targets of one call; a route that uses up its target gets a fresh one of the variant's owner.</summary>
    private async Task<RouteTargets> TargetsForAsync(World world, ApiRoute route, Principal principal, Variant variant)
    {
        var targets = world.Targets[variant];
        var keyUser = variant == Variant.Personal ? world.Owner.UserId : principal.UserId ?? world.Admin.UserId;
        targets = targets with { UserId = keyUser };
        switch (RouteProbes.Consumes(route))
        {
            case "key":
                var key = await (await world.Admin.Client.PostJsonAsync("/api/v1/keys", new { name = "to revoke", user_id = keyUser })).ExpectAsync(HttpStatusCode.Created);
                return targets with { KeyId = key["api_key"]!["id"]!.GetValue<string>() };
            case "credential":
                var credential = variant == Variant.Personal
                    ? await CreateCredentialAsync(world.Owner.Client, world.Tenant.Tenant, world.Owner.UserId)
                    : await CreateCredentialAsync(world.Admin.Client, world.Tenant.Tenant, null);
                return targets with { CredentialId = credential };
            case "trigger":
                var trigger = variant == Variant.Personal
                    ? await CreateAsync(world.Owner.Client, $"/api/v1/agents/{targets.AgentId}/triggers", new { system = "webhook" })
                    : await CreateAsync(world.Admin.Client, $"/api/v1/agents/{targets.AgentId}/triggers", new { system = "webhook" });
                return targets with { TriggerId = trigger, KeyId = "key_not_used_by_this_route" };
            case "tenant":
                // Deleting a tenant uses it up: each call gets a fresh one (only the platform key may delete it).
                var fresh = await factory.SeedTenantAsync(Role.Admin);
                return targets with { TenantId = fresh.Tenant.Value, KeyId = "key_not_used_by_this_route" };
            case "knowledge_base":
                return targets with { KnowledgeBaseId = await CreateAsync(world.Admin.Client, "/api/v1/knowledge-bases", new { name = "to delete" }) };
            case "document":
                return targets with { DocumentId = await UploadAsync(world.Admin.Client, targets.KnowledgeBaseId) };
            default:
                return targets with { KeyId = "key_not_used_by_this_route" };
        }
    }

    private static async Task<string> CreateAsync(HttpClient client, string url, object body, HttpStatusCode status = HttpStatusCode.Created) =>
        (await (await client.PostJsonAsync(url, body)).ExpectAsync(status))["id"]!.GetValue<string>();

    private static async Task<string> UploadAsync(HttpClient client, string knowledgeBaseId)
    {
        using var content = new StringContent("Matrix document.", System.Text.Encoding.UTF8, "text/plain");
        return (await (await client.PostAsync($"/api/v1/knowledge-bases/{knowledgeBaseId}/documents?name=matrix-{Guid.NewGuid():N}.txt", content)).ExpectAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
    }

    private static async Task<string> CreateCredentialAsync(HttpClient client, TenantId tenant, string? userId) =>
        (await (await client.PostJsonAsync($"/api/v1/tenants/{tenant.Value}/credentials",
            userId is null ? new { credentials = new { token = "matrix-secret" } } : new { user_id = userId, credentials = new { token = "matrix-secret" } }))
            .ExpectAsync(HttpStatusCode.Created))["credential_id"]!.GetValue<string>();

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
