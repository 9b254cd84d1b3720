using AgentFunctions.Access;
using AgentFunctions.Credentials;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static AgentFunctions.Tests.Credentials.CredentialsHttp;

namespace AgentFunctions.Tests.Credentials;

/// <summary>The engine's port: who may use which credential, checked at the moment of use, every refusal explicit and audited.</summary>
public sealed class CredentialAccessTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private const string Api = "api.example.com";

    private ICredentialAccess Access => factory.Services.GetRequiredService<ICredentialAccess>();

    private async Task<(SeededTenant Tenant, SeededUser Owner, SeededUser Other, string Personal, string Shared, string PersonalSecret, string SharedSecret)> SeedAsync()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var owner = await tenant.AddUserAsync(Role.Operator);
        var other = await tenant.AddUserAsync(Role.Operator);
        var personalSecret = SecretRegistry.New("use-personal");
        var sharedSecret = SecretRegistry.New("use-shared");
        var personal = (await CreateAsync(owner.Client, tenant.Tenant, new { user_id = owner.UserId, meta = new { system = "gmail" }, credentials = new { refresh_token = personalSecret }, allowed_hosts = new[] { Api } })).CredentialId;
        var shared = (await CreateAsync(owner.Client, tenant.Tenant, new { meta = new { system = "hubspot" }, credentials = new { access_token = sharedSecret }, allowed_hosts = new[] { Api } })).CredentialId;
        return (tenant, owner, other, personal, shared, personalSecret, sharedSecret);
    }

    [Fact]
    public async Task UseAsync_PersonalCredentialByAnAgentItsUserOwns_ReturnsTheSecretAndAuditsTheUse()
    {
        var s = await SeedAsync();

        var secret = await Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Personal, "agt_mail", s.Owner.UserId, "gmail.send", "run_1", Api));

        Assert.Equal(s.PersonalSecret, secret.Value.GetProperty("refresh_token").GetString());
        Assert.DoesNotContain(s.PersonalSecret, secret.ToString());
        var audit = Assert.Single(await AuditOf(s.Tenant, s.Personal, CredentialAuditAction.Use));
        Assert.True(audit.Allowed);
        Assert.Equal(("agt_mail", s.Owner.UserId, "run_1", "gmail.send", 1), (audit.AgentId, audit.AgentOwnerId, audit.RunId, audit.Purpose, audit.CredentialVersion));
    }

    [Fact]
    public async Task UseAsync_PersonalCredentialByAnotherUsersAgent_IsRefusedExplicitlyAndAudited()
    {
        var s = await SeedAsync();

        var refused = await Assert.ThrowsAsync<CredentialUseRefusedException>(() =>
            Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Personal, "agt_theirs", s.Other.UserId, "gmail.read", null, Api)));

        Assert.Equal(s.Personal, refused.CredentialId);
        Assert.Contains("another user", refused.Reason);
        Assert.DoesNotContain(s.PersonalSecret, refused.ToString());
        var audit = Assert.Single(await AuditOf(s.Tenant, s.Personal, CredentialAuditAction.Use));
        Assert.False(audit.Allowed);
        Assert.Equal(("not_owner", "agt_theirs", s.Other.UserId), (audit.Reason, audit.AgentId, audit.AgentOwnerId));
    }

    [Fact]
    public async Task UseAsync_TenantCredential_ServesAnyAgentOfTheTenant()
    {
        var s = await SeedAsync();
        foreach (var owner in new[] { s.Owner.UserId, s.Other.UserId, s.Tenant.First.UserId })
        {
            var secret = await Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Shared, "agt_" + owner, owner, "hubspot.search", null, Api));
            Assert.Equal(s.SharedSecret, secret.Value.GetProperty("access_token").GetString());
        }
        Assert.Equal(3, (await AuditOf(s.Tenant, s.Shared, CredentialAuditAction.Use)).Count(a => a.Allowed));
    }

    [Fact]
    public async Task UseAsync_CredentialOfAnotherTenant_IsRefusedAsNotFound()
    {
        var s = await SeedAsync();
        var elsewhere = await factory.SeedTenantAsync();

        var refused = await Assert.ThrowsAsync<CredentialUseRefusedException>(() =>
            Access.UseAsync(new CredentialUseRequest(elsewhere.Tenant, s.Shared, "agt_x", elsewhere.First.UserId, "hubspot.search", null, Api)));

        Assert.Equal("no such credential in this tenant", refused.Reason);
        Assert.Empty(await AuditOf(s.Tenant, s.Shared, CredentialAuditAction.Use));
        Assert.Equal("not_found", Assert.Single(await AuditOf(elsewhere, s.Shared, CredentialAuditAction.Use)).Reason);
    }

    [Fact]
    public async Task UseAsync_PersonalCredentialOfADisabledUser_IsRefused()
    {
        var s = await SeedAsync();
        var documents = factory.Store.For(s.Tenant.Tenant);
        var user = (await documents.GetAsync<User>(s.Owner.UserId))!;
        await documents.ReplaceAsync(user.Value with { Disabled = true }, user.ETag);

        var refused = await Assert.ThrowsAsync<CredentialUseRefusedException>(() =>
            Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Personal, "agt_mail", s.Owner.UserId, "gmail.send", null, Api)));

        Assert.Equal("owner_disabled", Assert.Single(await AuditOf(s.Tenant, s.Personal, CredentialAuditAction.Use)).Reason);
        Assert.Contains("disabled", refused.Reason);
    }

    [Theory]
    [InlineData("", "usr_x")]
    [InlineData("agt_x", "")]
    public async Task UseAsync_WithoutAgentOrOwner_IsRefused(string agentId, string ownerId)
    {
        var s = await SeedAsync();
        await Assert.ThrowsAsync<CredentialUseRefusedException>(() =>
            Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Shared, agentId, ownerId, "x", null, Api)));
        Assert.Equal("no_agent", Assert.Single(await AuditOf(s.Tenant, s.Shared, CredentialAuditAction.Use)).Reason);
    }

    [Fact]
    public async Task UseAsync_AfterRotation_ServesTheNewSecret()
    {
        var s = await SeedAsync();
        var fresh = SecretRegistry.New("use-rotated");
        await RotateAsync(s.Owner.Client, s.Tenant.Tenant, s.Shared, "{\"credentials\":" + Token(fresh) + "}");

        var secret = await Access.UseAsync(new CredentialUseRequest(s.Tenant.Tenant, s.Shared, "agt_x", s.Other.UserId, "hubspot.search", null, Api));

        Assert.Equal(fresh, secret.Value.GetProperty("access_token").GetString());
        Assert.Equal(2, Assert.Single(await AuditOf(s.Tenant, s.Shared, CredentialAuditAction.Use)).CredentialVersion);
    }

    private async Task<List<CredentialAuditRecord>> AuditOf(SeededTenant tenant, string credentialId, CredentialAuditAction action) =>
        (await factory.Store.For(tenant.Tenant).ListAsync<CredentialAuditRecord>(default, new FieldEquals("credential_id", credentialId)))
            .Select(v => v.Value).Where(a => a.Action == action).ToList();
}
