using System.Net;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Hosting;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_OnSameDataFolder_KeepsTenantsKeysAgentsAndVersions()
    {
        string agentId, key;
        var first = new PlatformFactory();
        PlatformFactory second;
        try
        {
            var created = await (await first.ClientWithKey(first.PlatformKey).PostJsonAsync("/api/v1/tenants", new { name = "Durable", admin = new { email = "a@d.test" } }))
                .ExpectAsync(HttpStatusCode.Created);
            key = created["admin_key"]!["key"]!.GetValue<string>();
            var client = first.ClientWithKey(key);
            var response = await client.PostJsonAsync("/api/v1/agents", new { name = "keeper" });
            agentId = (await response.ExpectAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
            await (await client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/agents/{agentId}", new { name = "keeper v2" }, response.Headers.ETag!.Tag)).ExpectAsync(HttpStatusCode.OK);
            second = first.Restarted();

        }
        finally
        {
            first.Dispose();
        }

        using (second)
        {
            var client = second.ClientWithKey(key);
            var agent = await (await client.GetAsync($"/api/v1/agents/{agentId}")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal("keeper v2", agent["spec"]!["name"]!.GetValue<string>());
            var versions = await (await client.GetAsync($"/api/v1/agents/{agentId}/versions")).ExpectAsync(HttpStatusCode.OK);
            Assert.Equal(2, versions["items"]!.AsArray().Count);
        }
        Assert.False(Directory.Exists(second.DataDirectory));
    }
}
