using System.Net;
using System.Text.Json.Nodes;
using AgentFunctions.Access;
using AgentFunctions.Tests.Support;
using Xunit.Abstractions;

namespace AgentFunctions.Tests.Isolation;

/// <summary>
/// Random mixed operations by several tenants against each other's objects. A leak is any success on a foreign object
/// or any foreign tenant's id or object id appearing in a response body.
/// </summary>
public sealed class TenantIsolationTests(PlatformFactory factory, ITestOutputHelper output) : IClassFixture<PlatformFactory>
{
    private const int Operations = 10_000;

    private sealed record Owned(string Kind, string Id, int Tenant, string OwnerId, bool TeamScope)
    {
        public bool Deleted { get; set; }
    }

    [Fact]
    public async Task RandomMixedOperations_AcrossTenants_NeverLeak()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var tenants = new List<SeededTenant>();
        for (var i = 0; i < 4; i++)
        {
            var tenant = await factory.SeedTenantAsync(Role.Admin);
            await tenant.AddUserAsync(Role.Operator);
            tenants.Add(tenant);
        }
        var objects = new List<Owned>();
        foreach (var (tenant, index) in tenants.Select((t, i) => (t, i)))
        {
            objects.AddRange(tenant.Users.Select(u => new Owned("user", u.UserId, index, u.UserId, true)));
        }

        var leaks = new List<string>();
        var counts = new Dictionary<string, int>();
        for (var op = 0; op < Operations; op++)
        {
            var ti = random.Next(tenants.Count);
            var tenant = tenants[ti];
            var user = tenant.Users[random.Next(tenant.Users.Count)];
            var foreign = objects.Where(o => o.Tenant != ti).ToList();
            var choice = random.Next(100);
            string name;
            HttpResponseMessage response;
            Owned? target = null;

            if (choice < 12)
            {
                name = "create_agent";
                var scope = random.Next(2) == 0 ? "user" : "team";
                response = await user.Client.PostJsonAsync("/api/v1/agents", new { name = $"a{op}", scope });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = (await response.ReadNodeAsync())["id"]!.GetValue<string>();
                    objects.Add(new Owned("agent", id, ti, user.UserId, scope == "team"));
                    response = await user.Client.GetAsync($"/api/v1/agents/{id}");
                }
            }
            else if (choice < 18 && user.Role == Role.Admin || choice < 16)
            {
                name = "register_tool";
                var toolName = $"t{ti}.tool{op}";
                response = await user.Client.PostJsonAsync("/api/v1/tools/register", new
                {
                    name = toolName,
                    description = "d",
                    kind = "http",
                    input_schema = new { type = "object" },
                    http = new { method = "GET", url_template = "https://api.example.com/x", allowed_hosts = new[] { "api.example.com" } },
                });
                if (response.StatusCode == HttpStatusCode.Created) objects.Add(new Owned("tool", toolName, ti, user.UserId, true));
            }
            else if (choice < 24)
            {
                name = "list";
                var url = random.Next(3) switch { 0 => "/api/v1/agents", 1 => "/api/v1/tools", _ => "/api/v1/keys" };
                response = await user.Client.GetAsync(url);
            }
            else if (choice < 30)
            {
                name = "create_key";
                response = await user.Client.PostJsonAsync("/api/v1/keys", new { name = $"k{op}" });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = (await response.ReadNodeAsync())["api_key"]!["id"]!.GetValue<string>();
                    objects.Add(new Owned("key", id, ti, user.UserId, false));
                    response = await user.Client.GetAsync("/api/v1/me");
                }
            }
            else if (foreign.Count > 0)
            {
                // Attack a foreign object through a route that fits its kind.
                target = foreign[random.Next(foreign.Count)];
                var (method, url, body) = Attack(target, random);
                name = $"foreign_{target.Kind}_{method.Method.ToLowerInvariant()}";
                response = await user.Client.SendJsonAsync(method, url, body, ifMatch: method == HttpMethod.Get ? null : "\"1\"");
                // An operator is refused user routes by permission before any lookup: 403 whether or not the id exists.
                var expected = target.Kind == "user" && user.Role != Role.Admin ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound;
                if (response.StatusCode != expected)
                {
                    leaks.Add($"op {op}: {name} {url} answered {(int)response.StatusCode} instead of {(int)expected}");
                }
            }
            else
            {
                continue;
            }

            counts[name] = counts.GetValueOrDefault(name) + 1;
            var text = await response.Content.ReadAsStringAsync();
            foreach (var other in tenants.Where((_, i) => i != ti))
            {
                if (text.Contains(other.Tenant.Value, StringComparison.Ordinal)) leaks.Add($"op {op}: {name} answer names tenant {other.Tenant.Value}");
            }
            foreach (var o in objects.Where(o => o.Tenant != ti && o.Kind != "tool"))
            {
                if (text.Contains(o.Id, StringComparison.Ordinal)) leaks.Add($"op {op}: {name} answer contains foreign {o.Kind} {o.Id}");
            }
            if ((int)response.StatusCode >= 500) leaks.Add($"op {op}: {name} failed with {(int)response.StatusCode}: {text}");
        }

        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}={c.Value}")));
        Assert.True(counts.Values.Sum() >= Operations * 0.9, "too few operations ran");
        Assert.True(counts.Keys.Count(k => k.StartsWith("foreign_", StringComparison.Ordinal)) >= 8, "attacks did not cover enough routes");
        Assert.True(leaks.Count == 0, $"{leaks.Count} leaks (seed {seed}):\n" + string.Join("\n", leaks.Take(20)));

        // Every tenant still sees exactly its own agents.
        foreach (var (tenant, index) in tenants.Select((t, i) => (t, i)))
        {
            var listed = (await tenant.First.Client.ReadAllItemsAsync("/api/v1/tools"))
                .Select(t => t!["id"]!.GetValue<string>()).ToHashSet();
            var expected = objects.Where(o => o.Kind == "tool" && o.Tenant == index).Select(o => o.Id).ToHashSet();
            Assert.Equal(expected, listed);
        }
    }

    private static (HttpMethod, string, object?) Attack(Owned target, Random random) => target.Kind switch
    {
        "agent" => random.Next(7) switch
        {
            0 => (HttpMethod.Get, $"/api/v1/agents/{target.Id}", null),
            1 => (HttpMethod.Patch, $"/api/v1/agents/{target.Id}", new { name = "pwned" }),
            2 => (HttpMethod.Delete, $"/api/v1/agents/{target.Id}", null),
            3 => (HttpMethod.Post, $"/api/v1/agents/{target.Id}/disable", null),
            4 => (HttpMethod.Get, $"/api/v1/agents/{target.Id}/versions", null),
            5 => (HttpMethod.Get, $"/api/v1/agents/{target.Id}/versions/1", null),
            _ => (HttpMethod.Post, $"/api/v1/agents/{target.Id}/rollback", new { version = 1 }),
        },
        "tool" => random.Next(3) switch
        {
            0 => (HttpMethod.Get, $"/api/v1/tools/{target.Id}", null),
            1 => (HttpMethod.Delete, $"/api/v1/tools/{target.Id}", null),
            _ => (HttpMethod.Put, $"/api/v1/tools/{target.Id}", new { description = "pwned", kind = "http", input_schema = new { type = "object" } }),
        },
        "key" => (HttpMethod.Delete, $"/api/v1/keys/{target.Id}", null),
        _ => random.Next(2) == 0
            ? (HttpMethod.Get, $"/api/v1/users/{target.Id}", null)
            : (HttpMethod.Patch, $"/api/v1/users/{target.Id}", new { role = "viewer" }),
    };
}
