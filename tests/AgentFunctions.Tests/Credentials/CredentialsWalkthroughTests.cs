using System.Net;
using System.Text;
using AgentFunctions.Access;
using AgentFunctions.Tests.Support;
using static AgentFunctions.Tests.Credentials.CredentialsHttp;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// The walkthrough as a new user would try it (docs/credentials-walkthrough.md is the curl version): a tenant
/// HubSpot token and a personal Gmail token, read back with and without the user id, the personal one tried from another
/// user's key, one rotated, the host restarted on the same data folder, read again, and the logs and disk searched for the tokens.
/// </summary>
public sealed class CredentialsWalkthroughTests
{
    [Fact]
    public async Task Walkthrough_StoreReadRefuseRotateRestartRead_TokensNeverLoggedNorOnDiskInClear()
    {
        var hubspotToken = SecretRegistry.New("pat-na1-hubspot");
        var hubspotRotated = SecretRegistry.New("pat-na1-hubspot-rotated");
        var gmailToken = SecretRegistry.New("1//gmail-refresh");
        var logsBefore = CapturedLogs.Count;

        var first = new PlatformFactory();
        var restarted = first.Restarted();
        var dataDirectory = first.DataDirectory;
        SeededTenant tenant;
        SeededUser alice, bob;
        string hubspot, gmail;
        try
        {
            tenant = await first.SeedTenantAsync(Role.Admin);
            alice = await tenant.AddUserAsync(Role.Operator);
            bob = await tenant.AddUserAsync(Role.Operator);

            // 1. Store a tenant HubSpot token and a personal Gmail token.
            var created = await CreateAsync(alice.Client, tenant.Tenant, new { meta = new { system = "hubspot", account = "acme" }, credentials = new { access_token = hubspotToken }, allowed_hosts = new[] { "api.hubapi.com" } });
            Assert.Equal(HttpStatusCode.Created, created.Status);
            Assert.Equal("api.hubapi.com", created.Body.GetProperty("allowed_hosts")[0].GetString());
            hubspot = created.CredentialId;
            created = await CreateAsync(alice.Client, tenant.Tenant, new { user_id = alice.UserId, meta = new { system = "gmail", mailbox = "alice@acme.test" }, credentials = new { refresh_token = gmailToken, client_id = "gmail-client" }, allowed_hosts = new[] { "gmail.googleapis.com", "oauth2.googleapis.com" } });
            Assert.Equal(HttpStatusCode.Created, created.Status);
            gmail = created.CredentialId;

            // 2. Read each back with and without the user id.
            Assert.Equal(hubspotToken, Secret(await GetAsync(alice.Client, tenant.Tenant, hubspot), "access_token"));
            Assert.Equal(hubspotToken, Secret(await GetAsync(alice.Client, tenant.Tenant, hubspot, alice.UserId), "access_token"));
            Assert.Equal(gmailToken, Secret(await GetAsync(alice.Client, tenant.Tenant, gmail, alice.UserId), "refresh_token"));
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(alice.Client, tenant.Tenant, gmail)).Status);

            // 3. The personal one from another user's key: 404 whichever user id Bob passes; the tenant one he may read.
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob.Client, tenant.Tenant, gmail, alice.UserId)).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob.Client, tenant.Tenant, gmail, bob.UserId)).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(bob.Client, tenant.Tenant, gmail)).Status);
            Assert.Equal(hubspotToken, Secret(await GetAsync(bob.Client, tenant.Tenant, hubspot), "access_token"));

            // 4. Rotate the HubSpot token.
            var rotated = await RotateAsync(alice.Client, tenant.Tenant, hubspot, "{\"credentials\":{\"access_token\":\"" + hubspotRotated + "\"}}");
            Assert.Equal(HttpStatusCode.OK, rotated.Status);
            Assert.Equal(2, rotated.Body.GetProperty("version").GetInt32());
            var rehosted = await RotateAsync(alice.Client, tenant.Tenant, hubspot, """{"allowed_hosts":["api.hubapi.com","*.hubspot.com"]}""");
            Assert.Equal(HttpStatusCode.OK, rehosted.Status);
            Assert.Equal(3, rehosted.Body.GetProperty("version").GetInt32());
        }
        finally
        {
            first.Dispose();
        }

        // 5. Restart the host on the same data folder and read again with the same keys.
        var cleanup = restarted.Restarted();
        using (restarted)
        {
            var aliceAgain = restarted.ClientWithKey(alice.Key);
            var read = await GetAsync(aliceAgain, tenant.Tenant, hubspot);
            Assert.Equal(hubspotRotated, Secret(read, "access_token"));
            Assert.Equal(3, read.Body.GetProperty("version").GetInt32());
            Assert.Equal(2, read.Body.GetProperty("allowed_hosts").GetArrayLength());
            Assert.Equal(gmailToken, Secret(await GetAsync(aliceAgain, tenant.Tenant, gmail, alice.UserId), "refresh_token"));
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(restarted.ClientWithKey(bob.Key), tenant.Tenant, gmail, alice.UserId)).Status);

            // 6. The tokens are in no log line of either host.
            var logs = CapturedLogs.Snapshot().Skip(logsBefore).ToList();
            Assert.Contains(logs, l => l.Contains(hubspot, StringComparison.Ordinal));
            foreach (var token in new[] { hubspotToken, hubspotRotated, gmailToken })
            {
                Assert.DoesNotContain(logs, l => l.Contains(token, StringComparison.Ordinal));
            }
        }

        // 7. Nor anywhere on disk in clear text (read once the host has let go of its files; cleanup then removes them).
        using (cleanup)
        {
            foreach (var token in new[] { hubspotToken, hubspotRotated, gmailToken })
            {
                Assert.DoesNotContain(Directory.GetFiles(dataDirectory, "*", SearchOption.AllDirectories),
                    file => Encoding.UTF8.GetString(File.ReadAllBytes(file)).Contains(token, StringComparison.Ordinal));
            }
        }
        Assert.False(Directory.Exists(dataDirectory));
    }

    private static string? Secret(Answer answer, string field)
    {
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Body.GetProperty("credentials").GetProperty(field).GetString();
    }
}
