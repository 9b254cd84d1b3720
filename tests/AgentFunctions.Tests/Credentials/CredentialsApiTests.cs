using System.Net;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static AgentFunctions.Tests.Credentials.CredentialsHttp;

namespace AgentFunctions.Tests.Credentials;

public sealed class CredentialsApiTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private async Task<(SeededTenant Tenant, SeededUser Owner, SeededUser Other)> SeedAsync()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var owner = await tenant.AddUserAsync(Role.Operator);
        var other = await tenant.AddUserAsync(Role.Operator);
        return (tenant, owner, other);
    }

    [Fact]
    public async Task Create_TenantCredential_Returns201WithIdVersionAndNoSecret()
    {
        var (tenant, owner, _) = await SeedAsync();
        var secret = SecretRegistry.New("api-create");

        var created = await CreateAsync(owner.Client, tenant.Tenant, new { meta = new { system = "hubspot" }, credentials = new { access_token = secret } });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.StartsWith("cred_", created.CredentialId);
        Assert.Equal(1, created.Body.GetProperty("version").GetInt32());
        Assert.False(created.Body.TryGetProperty("user_id", out _));
        Assert.False(created.Body.TryGetProperty("credentials", out _));
        Assert.DoesNotContain(secret, created.Text);
        Assert.Equal($"{Base(tenant.Tenant)}/{created.CredentialId}", created.Response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Get_TenantCredential_AnyManagerOfTheTenantReadsItWithOrWithoutUserId()
    {
        var (tenant, owner, other) = await SeedAsync();
        var secret = SecretRegistry.New("api-tenant-read");
        var id = (await CreateAsync(owner.Client, tenant.Tenant, TenantBody(secret))).CredentialId;

        foreach (var (client, userId) in new[] { (owner.Client, (string?)null), (other.Client, other.UserId), (tenant.First.Client, null) })
        {
            var read = await GetAsync(client, tenant.Tenant, id, userId);
            Assert.Equal(HttpStatusCode.OK, read.Status);
            Assert.Equal(secret, read.Body.GetProperty("credentials").GetProperty("access_token").GetString());
            Assert.Equal("no-store", read.Response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task Get_PersonalCredential_OnlyItsUserWithTheirIdReadsIt_EveryOtherCaseIsTheSame404AsAbsent()
    {
        var (tenant, owner, other) = await SeedAsync();
        var secret = SecretRegistry.New("api-personal");
        var id = (await CreateAsync(owner.Client, tenant.Tenant, new { user_id = owner.UserId, credentials = new { refresh_token = secret } })).CredentialId;

        var ok = await GetAsync(owner.Client, tenant.Tenant, id, owner.UserId);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal(secret, ok.Body.GetProperty("credentials").GetProperty("refresh_token").GetString());
        Assert.Equal(owner.UserId, ok.Body.GetProperty("user_id").GetString());

        var absent = await GetAsync(owner.Client, tenant.Tenant, Credential.NewId(), owner.UserId);
        var refusals = new[]
        {
            await GetAsync(owner.Client, tenant.Tenant, id),
            await GetAsync(owner.Client, tenant.Tenant, id, other.UserId),
            await GetAsync(other.Client, tenant.Tenant, id, owner.UserId),
            await GetAsync(other.Client, tenant.Tenant, id, other.UserId),
            await GetAsync(tenant.First.Client, tenant.Tenant, id, owner.UserId),
        };
        Assert.Equal(HttpStatusCode.NotFound, absent.Status);
        Assert.All(refusals, r =>
        {
            Assert.Equal(HttpStatusCode.NotFound, r.Status);
            Assert.Equal(absent.Text, r.Text);
            Assert.Equal("application/problem+json", r.Response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(secret, r.Text);
        });
    }

    [Fact]
    public async Task Get_ViewerRole_Is403AndTheRefusalIsAudited()
    {
        var (tenant, owner, _) = await SeedAsync();
        var viewer = await tenant.AddUserAsync(Role.Viewer);
        var id = (await CreateAsync(owner.Client, tenant.Tenant, TenantBody(SecretRegistry.New("api-viewer")))).CredentialId;

        var read = await GetAsync(viewer.Client, tenant.Tenant, id);

        Assert.Equal(HttpStatusCode.Forbidden, read.Status);
        var audit = await AuditAsync(tenant.First.Client, tenant.Tenant, $"?credential_id={id}&allowed=false");
        var refusal = Assert.Single(audit.Body.GetProperty("items").EnumerateArray());
        Assert.Equal(viewer.UserId, refusal.GetProperty("actor_user_id").GetString());
        Assert.Equal("read", refusal.GetProperty("action").GetString());
        Assert.Equal("permission", refusal.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Create_PersonalCredentialForAnotherUser_Is403AndStoresNothing()
    {
        var (tenant, owner, other) = await SeedAsync();
        var created = await CreateAsync(owner.Client, tenant.Tenant, new { user_id = other.UserId, credentials = new { t = SecretRegistry.New("api-foreign") } });
        Assert.Equal(HttpStatusCode.Forbidden, created.Status);
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Credential>());
    }

    [Fact]
    public async Task List_ByMeta_ReturnsMetadataOnly_AndPersonalOnesOnlyForTheirUser()
    {
        var (tenant, owner, other) = await SeedAsync();
        var secrets = new[] { SecretRegistry.New("api-list1"), SecretRegistry.New("api-list2"), SecretRegistry.New("api-list3") };
        var hubspot = (await CreateAsync(owner.Client, tenant.Tenant, new { meta = new { system = "hubspot", account = "acme" }, credentials = new { t = secrets[0] } })).CredentialId;
        await CreateAsync(owner.Client, tenant.Tenant, new { meta = new { system = "slack" }, credentials = new { t = secrets[1] } });
        var gmail = (await CreateAsync(owner.Client, tenant.Tenant, new { user_id = owner.UserId, meta = new { system = "gmail" }, credentials = new { t = secrets[2] } })).CredentialId;

        var byMeta = await ListAsync(other.Client, tenant.Tenant, "?meta.system=hubspot&meta.account=acme");
        Assert.Equal([hubspot], Ids(byMeta));

        var ownerView = await ListAsync(owner.Client, tenant.Tenant, $"?user_id={owner.UserId}");
        Assert.Contains(gmail, Ids(ownerView));
        Assert.Equal(3, Ids(ownerView).Count);
        var otherView = await ListAsync(other.Client, tenant.Tenant, $"?user_id={owner.UserId}");
        Assert.DoesNotContain(gmail, Ids(otherView));
        Assert.Equal(2, Ids(otherView).Count);

        foreach (var answer in new[] { byMeta, ownerView, otherView })
        {
            Assert.All(answer.Body.GetProperty("items").EnumerateArray(), item => Assert.False(item.TryGetProperty("credentials", out _)));
            Assert.All(secrets, s => Assert.DoesNotContain(s, answer.Text));
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await ListAsync(owner.Client, tenant.Tenant, "?system=hubspot")).Status);
    }

    [Fact]
    public async Task Rotate_ReplacesSecretKeepsIdBumpsVersion_AndRetiresTheOldVaultVersion()
    {
        var (tenant, owner, _) = await SeedAsync();
        var before = SecretRegistry.New("api-rotate-old");
        var after = SecretRegistry.New("api-rotate-new");
        var id = (await CreateAsync(owner.Client, tenant.Tenant, TenantBody(before))).CredentialId;
        var oldMetadata = (await factory.Store.For(tenant.Tenant).GetAsync<Credential>(id))!.Value;

        var rotated = await RotateAsync(owner.Client, tenant.Tenant, id, "{\"credentials\":" + Token(after) + "}");

        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.Equal(id, rotated.CredentialId);
        Assert.Equal(2, rotated.Body.GetProperty("version").GetInt32());
        Assert.True(rotated.Body.TryGetProperty("rotated_at", out _));
        Assert.DoesNotContain(after, rotated.Text);
        var read = await GetAsync(owner.Client, tenant.Tenant, id);
        Assert.Equal(after, read.Body.GetProperty("credentials").GetProperty("access_token").GetString());
        Assert.Equal(2, read.Body.GetProperty("version").GetInt32());
        var vault = factory.Services.GetRequiredService<ISecretVault>();
        Assert.Null(await vault.GetAsync(oldMetadata.Locator, oldMetadata.SecretVersion));
    }

    [Fact]
    public async Task Rotate_PersonalCredentialByAnotherUser_Is404AndChangesNothing()
    {
        var (tenant, owner, other) = await SeedAsync();
        var secret = SecretRegistry.New("api-rotate-guard");
        var id = (await CreateAsync(owner.Client, tenant.Tenant, new { user_id = owner.UserId, credentials = new { t = secret } })).CredentialId;

        var attempt = await RotateAsync(other.Client, tenant.Tenant, id, "{\"credentials\":" + Json("t", SecretRegistry.New("api-rotate-evil")) + "}", owner.UserId);

        Assert.Equal(HttpStatusCode.NotFound, attempt.Status);
        var read = await GetAsync(owner.Client, tenant.Tenant, id, owner.UserId);
        Assert.Equal(secret, read.Body.GetProperty("credentials").GetProperty("t").GetString());
        Assert.Equal(1, read.Body.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Delete_RemovesMetadataAndSecret_ThenReadsAre404()
    {
        var (tenant, owner, _) = await SeedAsync();
        var id = (await CreateAsync(owner.Client, tenant.Tenant, TenantBody(SecretRegistry.New("api-delete")))).CredentialId;
        var metadata = (await factory.Store.For(tenant.Tenant).GetAsync<Credential>(id))!.Value;

        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(owner.Client, tenant.Tenant, id)).Status);

        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(owner.Client, tenant.Tenant, id)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await DeleteAsync(owner.Client, tenant.Tenant, id)).Status);
        Assert.Null(await factory.Services.GetRequiredService<ISecretVault>().GetAsync(metadata.Locator, metadata.SecretVersion));
    }

    [Fact]
    public async Task Audit_AdminSeesCreateReadRotateDeleteAndRefusals_NewestFirst_OperatorIs403()
    {
        var (tenant, owner, other) = await SeedAsync();
        var id = (await CreateAsync(owner.Client, tenant.Tenant, new { user_id = owner.UserId, credentials = new { t = SecretRegistry.New("api-audit") } })).CredentialId;
        await GetAsync(owner.Client, tenant.Tenant, id, owner.UserId);
        await GetAsync(other.Client, tenant.Tenant, id, other.UserId);
        await RotateAsync(owner.Client, tenant.Tenant, id, "{\"credentials\":" + Json("t", SecretRegistry.New("api-audit2")) + "}", owner.UserId);
        await DeleteAsync(owner.Client, tenant.Tenant, id, owner.UserId);

        var audit = await AuditAsync(tenant.First.Client, tenant.Tenant, $"?credential_id={id}");

        Assert.Equal(HttpStatusCode.OK, audit.Status);
        var items = audit.Body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(
            ["delete:True", "rotate:True", "read:False", "read:True", "create:True"],
            items.Select(i => $"{i.GetProperty("action").GetString()}:{i.GetProperty("allowed").GetBoolean()}").ToList());
        var refused = items[2];
        Assert.Equal(other.UserId, refused.GetProperty("actor_user_id").GetString());
        Assert.Equal("user_id_mismatch", refused.GetProperty("reason").GetString());
        Assert.True(refused.TryGetProperty("at", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await AuditAsync(owner.Client, tenant.Tenant)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await AuditAsync(tenant.First.Client, tenant.Tenant, "?limit=0")).Status);
    }

    public static TheoryData<string, string> BadBodies()
    {
        var huge = new string('x', CredentialLimits.MaxSecretBytes);
        var tooManyMeta = string.Join(",", Enumerable.Range(0, CredentialLimits.MaxMetaKeys + 1).Select(i => $"\"k{i}\":\"v\""));
        return new TheoryData<string, string>
        {
            { """{"credentials":"BADINPUT-SECRET-as-string"}""", "credentials" },
            { """{"credentials":["BADINPUT-SECRET-in-array"]}""", "credentials" },
            { """{"credentials":null}""", "credentials" },
            { """{"meta":{"system":"x"}}""", "credentials" },
            { "{\"credentials\":" + Json("blob", huge) + "}", "credentials" },
            { "{\"meta\":{" + tooManyMeta + "},\"credentials\":{\"t\":\"BADINPUT-SECRET-meta\"}}", "meta" },
            { """{"meta":{"bad key!":"v"},"credentials":{"t":"BADINPUT-SECRET-key"}}""", "meta" },
            { """{"meta":{"system":5},"credentials":{"t":"BADINPUT-SECRET-type"}}""", "$.meta.system" },
            { """{"meta":{"system":null},"credentials":{"t":"BADINPUT-SECRET-nullmeta"}}""", "meta.system" },
            { """{"credentials":{"t":"BADINPUT-SECRET-dup1"},"credentials":{"t":"BADINPUT-SECRET-dup2"}}""", "$.credentials" },
            { """{"credentials":{"t":"BADINPUT-SECRET-unknown"},"secret":"x"}""", "$.secret" },
            { """{"user_id":"not a valid id!","credentials":{"t":"BADINPUT-SECRET-user"}}""", "user_id" },
            { """{"credentials":{"t":"BADINPUT-SECRET-broken""", "$.credentials" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_BadBody_Is400ProblemNamingTheField_EchoesNoSecret_StoresNothing(string body, string field)
    {
        var (tenant, owner, _) = await SeedAsync();
        var vaultLog = VaultLogLength();

        var answer = await CreateAsync(owner.Client, tenant.Tenant, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(answer.Body.GetProperty("errors").TryGetProperty(field, out _), answer.Text);
        Assert.DoesNotContain("BADINPUT-SECRET", answer.Text);
        Assert.DoesNotContain("xxxxxxxx", answer.Text);
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Credential>());
        Assert.Equal(vaultLog, VaultLogLength());
    }

    [Fact]
    public async Task Create_BodyOverTheCapOrNotJson_Is413Or415AndStoresNothing()
    {
        var (tenant, owner, _) = await SeedAsync();
        var tooBig = "{\"credentials\":" + Json("blob", new string('y', CredentialLimits.MaxBodyBytes)) + "}";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await CreateAsync(owner.Client, tenant.Tenant, tooBig)).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType,
            (await SendAsync(owner.Client, HttpMethod.Post, Base(tenant.Tenant), Token("x"), "text/plain")).Status);
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Credential>());
    }

    [Fact]
    public async Task AnyRoute_OtherOrUnknownTenant_IsTheSame404_AndStoresNothingAnywhere()
    {
        var (tenant, owner, _) = await SeedAsync();
        var (victim, victimOwner, _) = await SeedAsync();
        var victimId = (await CreateAsync(victimOwner.Client, victim.Tenant, TenantBody(SecretRegistry.New("api-victim")))).CredentialId;
        var unknown = new TenantId("ten_doesnotexist");

        var intoVictim = await CreateAsync(owner.Client, victim.Tenant, TenantBody(SecretRegistry.New("api-cross")));
        var intoUnknown = await CreateAsync(owner.Client, unknown, TenantBody(SecretRegistry.New("api-cross2")));
        var readVictim = await GetAsync(owner.Client, victim.Tenant, victimId);
        var listVictim = await ListAsync(owner.Client, victim.Tenant);
        var auditVictim = await AuditAsync(tenant.First.Client, victim.Tenant);
        var malformed = await SendAsync(owner.Client, HttpMethod.Get, "/api/v1/tenants/bad%20tenant!/credentials", null);

        Assert.All(new[] { intoVictim, intoUnknown, readVictim, listVictim, auditVictim, malformed }, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Equal(intoVictim.Text, intoUnknown.Text);
        Assert.Equal(readVictim.Text, intoUnknown.Text);
        Assert.Empty(await factory.Store.For(tenant.Tenant).ListAsync<Credential>());
        Assert.Single(await factory.Store.For(victim.Tenant).ListAsync<Credential>());
        Assert.Empty(await factory.Store.For(unknown).ListAsync<Credential>());
    }

    [Fact]
    public async Task Routes_WithoutKey_Are401()
    {
        var tenant = await factory.SeedTenantAsync();
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await CreateAsync(anonymous, tenant.Tenant, TenantBody("x"))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(anonymous, tenant.Tenant, Credential.NewId())).Status);
    }

    [Fact]
    public void HostStart_CreatesTheVaultKeyFileOwnerOnly()
    {
        _ = factory.Services;
        var path = Path.Combine(factory.DataDirectory, "vault", "master.key");
        Assert.True(File.Exists(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }
    }

    private long VaultLogLength()
    {
        var path = Path.Combine(factory.DataDirectory, "vault", "secrets", "documents.log");
        return File.Exists(path) ? new FileInfo(path).Length : 0;
    }

    private static string Json(string field, string value) => JsonSerializer.Serialize(new Dictionary<string, string> { [field] = value });

    private static List<string> Ids(Answer answer) =>
        answer.Body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("credential_id").GetString()!).ToList();
}
