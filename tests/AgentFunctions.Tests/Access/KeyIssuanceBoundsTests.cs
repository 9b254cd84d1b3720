using System.Net;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Access;

/// <summary>
/// A key never exceeds the key that creates it, over every combination of the caller's user role, the caller key's
/// narrowed role (including none and one above the user's), the caller key's expiry, the requested role, the requested
/// expiry, and whose key it is. The expected answer comes from the rule written out here, not from the service.
/// </summary>
public sealed class KeyIssuanceBoundsTests(PlatformFactory factory) : IClassFixture<PlatformFactory>
{
    private static readonly Role?[] KeyRoles = [null, Role.Viewer, Role.Operator, Role.Admin];

    public enum Expiry
    {
        Omitted,
        BeforeCallers,
        AfterCallers,
    }

    public enum Target
    {
        Self,
        OtherOperator,
    }

    public static TheoryData<Role, Role?, bool, Role?, Expiry, Target> Combinations()
    {
        var data = new TheoryData<Role, Role?, bool, Role?, Expiry, Target>();
        foreach (var userRole in Enum.GetValues<Role>())
        foreach (var keyRole in KeyRoles)
        foreach (var callerExpires in new[] { false, true })
        foreach (var requestedRole in KeyRoles)
        foreach (var expiry in Enum.GetValues<Expiry>())
        foreach (var target in Enum.GetValues<Target>())
        {
            data.Add(userRole, keyRole, callerExpires, requestedRole, expiry, target);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public async Task CreateKey_AnyCombination_NeverExceedsTheCallersKey(Role userRole, Role? keyRole, bool callerExpires, Role? requestedRole, Expiry expiry, Target target)
    {
        var now = DateTimeOffset.UtcNow;
        var callerExpiry = callerExpires ? now.AddHours(1) : (DateTimeOffset?)null;
        var tenant = await factory.SeedTenantAsync(userRole);
        var other = await tenant.AddUserAsync(Role.Operator);
        var callerKey = await IssueStoredKeyAsync(tenant, tenant.First.UserId, keyRole, callerExpiry);
        var requestedExpiry = expiry switch
        {
            Expiry.BeforeCallers => now.AddMinutes(30),
            Expiry.AfterCallers => now.AddHours(2),
            _ => (DateTimeOffset?)null,
        };
        var targetUser = target == Target.Self ? tenant.First.UserId : other.UserId;
        var keysBefore = await KeyCountAsync(tenant, targetUser);

        var body = new Dictionary<string, object?> { ["name"] = "minted" };
        if (target == Target.OtherOperator) body["user_id"] = targetUser;
        if (requestedRole is { } r) body["role"] = r.ToString().ToLowerInvariant();
        if (requestedExpiry is { } e) body["expires_at"] = e;
        var response = await factory.ClientWithKey(callerKey).PostJsonAsync("/api/v1/keys", body);

        // The rule, written independently of the service.
        var callerRole = keyRole is { } k && k < userRole ? k : userRole;
        var targetRole = target == Target.Self ? userRole : Role.Operator;
        HttpStatusCode expected;
        if (target == Target.OtherOperator && callerRole != Role.Admin) expected = HttpStatusCode.Forbidden;
        else if (requestedRole > targetRole) expected = HttpStatusCode.BadRequest;
        else if (requestedRole is { } asked && asked > callerRole) expected = HttpStatusCode.Forbidden;
        else if (callerExpiry is not null && expiry == Expiry.AfterCallers) expected = HttpStatusCode.Forbidden;
        else expected = HttpStatusCode.Created;

        if (expected != HttpStatusCode.Created)
        {
            await response.ExpectProblemAsync(expected);
            Assert.Equal(keysBefore, await KeyCountAsync(tenant, targetUser));
            return;
        }
        var issued = await response.ExpectAsync(HttpStatusCode.Created);
        var expectedRole = requestedRole is { } wanted && wanted < targetRole ? wanted : targetRole;
        if (expectedRole > callerRole) expectedRole = callerRole;
        var me = await (await factory.ClientWithKey(issued["key"]!.GetValue<string>()).GetAsync("/api/v1/me")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(expectedRole.ToString().ToLowerInvariant(), me["effective_role"]!.GetValue<string>());
        Assert.True(Enum.Parse<Role>(me["effective_role"]!.GetValue<string>(), ignoreCase: true) <= callerRole);

        var expectedExpiry = requestedExpiry ?? callerExpiry;
        var issuedExpiry = issued["api_key"]!["expires_at"]?.GetValue<DateTimeOffset>();
        Assert.Equal(expectedExpiry?.ToUnixTimeMilliseconds(), issuedExpiry?.ToUnixTimeMilliseconds());
        if (callerExpiry is { } bound) Assert.True(issuedExpiry <= bound);
    }

    [Fact]
    public async Task CreateKey_NarrowedViewerKeyOfAdmin_PostingEmptyBody_GetsAViewerKeyPinnedToViewer()
    {
        var tenant = await factory.SeedTenantAsync(Role.Admin);
        var viewerKey = await IssueStoredKeyAsync(tenant, tenant.First.UserId, Role.Viewer, null);

        var issued = await (await factory.ClientWithKey(viewerKey).PostJsonAsync("/api/v1/keys", new { name = "wider?" })).ExpectAsync(HttpStatusCode.Created);

        Assert.Equal("viewer", issued["api_key"]!["role"]!.GetValue<string>());
        var minted = factory.ClientWithKey(issued["key"]!.GetValue<string>());
        await (await minted.PostJsonAsync("/api/v1/users", new { email = "x@t.test" })).ExpectProblemAsync(HttpStatusCode.Forbidden);
    }

    private async Task<string> IssueStoredKeyAsync(SeededTenant tenant, string userId, Role? role, DateTimeOffset? expiresAt)
    {
        var token = ApiKeyToken.Issue(tenant.Tenant);
        await factory.Store.For(tenant.Tenant).CreateAsync(new ApiKey(
            token.KeyId, tenant.Tenant, userId, "caller", token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), role, DateTimeOffset.UtcNow, expiresAt, null));
        return token.ToString();
    }

    private async Task<int> KeyCountAsync(SeededTenant tenant, string userId) =>
        (await factory.Store.For(tenant.Tenant).ListAsync<ApiKey>(default, new FieldEquals("user_id", userId))).Count;
}
