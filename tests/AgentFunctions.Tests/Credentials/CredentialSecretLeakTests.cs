using System.Net;
using AgentFunctions.Access;
using AgentFunctions.Credentials;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static AgentFunctions.Tests.Credentials.CredentialsHttp;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// Secrets never reach a log. Every <see cref="PlatformFactory"/> host writes every log line (all levels, structured
/// values, scopes, exceptions) to <see cref="CapturedLogs"/>, and every test that stores a secret takes it from
/// <see cref="SecretRegistry"/>. This test drives create, read, use, rotate, refusals and bad input with its own
/// distinctive values, then scans all lines logged so far in the process for every value registered by any test.
/// xunit 2 cannot order a test last across classes, so what ran after this scan is not covered by it; each class's own
/// values are covered here whenever that class ran first, and the walkthrough test scans its own lines itself.
/// </summary>
public sealed class CredentialSecretLeakTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    [Fact]
    public async Task EveryPathThatTouchesASecret_LeavesNoSecretValueInAnyLogLine()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var owner = await tenant.AddUserAsync(Role.Operator);
        var other = await tenant.AddUserAsync(Role.Operator);
        var viewer = await tenant.AddUserAsync(Role.Viewer);
        var t = tenant.Tenant;

        var shared = SecretRegistry.New("leak-shared");
        var personal = SecretRegistry.New("leak-personal");
        var rotated = SecretRegistry.New("leak-rotated");
        var sharedId = (await CreateAsync(owner.Client, t, new { meta = new { system = "hubspot" }, credentials = new { access_token = shared } })).CredentialId;
        var personalId = (await CreateAsync(owner.Client, t, new { user_id = owner.UserId, credentials = new { password = personal }, allowed_hosts = new[] { "mail.example.com" } })).CredentialId;

        // Reads allowed and refused.
        await GetAsync(owner.Client, t, sharedId);
        await GetAsync(owner.Client, t, personalId, owner.UserId);
        await GetAsync(other.Client, t, personalId, owner.UserId);
        await GetAsync(viewer.Client, t, sharedId);
        // Uses allowed and refused.
        var access = factory.Services.GetRequiredService<ICredentialAccess>();
        await access.UseAsync(new CredentialUseRequest(t, personalId, "agt_own", owner.UserId, "leak.test", "run_leak", "mail.example.com"));
        await Assert.ThrowsAsync<CredentialUseRefusedException>(() => access.UseAsync(new CredentialUseRequest(t, personalId, "agt_foreign", other.UserId, "leak.test", null, "mail.example.com")));
        await Assert.ThrowsAsync<CredentialUseRefusedException>(() => access.UseAsync(new CredentialUseRequest(t, personalId, "agt_own", owner.UserId, "leak.test", null, "evil.example")));
        // Rotation allowed and refused.
        await RotateAsync(owner.Client, t, sharedId, "{\"credentials\":{\"access_token\":\"" + rotated + "\"}}");
        await RotateAsync(other.Client, t, personalId, "{\"credentials\":{\"password\":\"" + SecretRegistry.New("leak-hijack") + "\"}}", owner.UserId);
        // Bad input carrying secret-looking values.
        foreach (var body in new[]
        {
            "{\"credentials\":\"" + SecretRegistry.New("leak-string") + "\"}",
            "{\"credentials\":[\"" + SecretRegistry.New("leak-array") + "\"]}",
            "{\"credentials\":{\"t\":\"" + SecretRegistry.New("leak-broken"),
            "{\"credentials\":{\"t\":\"" + SecretRegistry.New("leak-unknown") + "\"},\"extra\":1}",
            "{\"credentials\":{\"t\":\"" + SecretRegistry.New("leak-big") + new string('z', CredentialLimits.MaxSecretBytes) + "\"}}",
        })
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await CreateAsync(owner.Client, t, body)).Status);
        }
        await CreateAsync(owner.Client, new AgentFunctions.Common.TenantId("ten_elsewhere"), TenantBody(SecretRegistry.New("leak-cross")));
        await DeleteAsync(owner.Client, t, sharedId);

        var lines = CapturedLogs.Snapshot();
        Assert.Contains(lines, l => l.Contains(personalId, StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal));
        var secrets = SecretRegistry.All;
        Assert.True(secrets.Count >= 10);
        var leaks = (from line in lines from secret in secrets where line.Contains(secret, StringComparison.Ordinal) select secret).Distinct().ToList();
        Assert.Empty(leaks);
    }
}
