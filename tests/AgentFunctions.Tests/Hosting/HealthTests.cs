using System.Net;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AgentFunctions.Tests.Hosting;

public sealed class HealthTests : IClassFixture<PlatformFactory>
{
    private readonly PlatformFactory factory;

    public HealthTests(PlatformFactory factory) => this.factory = factory;

    [Fact]
    public async Task Health_WithoutKey_IsOk()
    {
        var response = await factory.CreateClient().GetAsync("/api/v1/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SeededKey_AuthenticatesAsItsUser()
    {
        var tenant = await factory.SeedTenantAsync();
        var caller = await factory.Services.GetRequiredService<AgentFunctions.Access.IAuthenticator>().AuthenticateAsync(tenant.First.Key);
        Assert.NotNull(caller);
        Assert.Equal(tenant.First.UserId, caller!.UserId);
        Assert.Equal(tenant.Tenant, caller.Tenant);
    }
}
