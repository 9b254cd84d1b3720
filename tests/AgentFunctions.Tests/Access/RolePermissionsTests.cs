using AgentFunctions.Access;

namespace AgentFunctions.Tests.Access;

public sealed class RolePermissionsTests
{
    [Theory]
    [InlineData(Role.Viewer, Permission.ViewAgents, true)]
    [InlineData(Role.Viewer, Permission.ViewRuns, true)]
    [InlineData(Role.Viewer, Permission.ManageAgents, false)]
    [InlineData(Role.Viewer, Permission.ManageCredentials, false)]
    [InlineData(Role.Operator, Permission.ManageAgents, true)]
    [InlineData(Role.Operator, Permission.ManageTools, true)]
    [InlineData(Role.Operator, Permission.ManageKnowledge, true)]
    [InlineData(Role.Operator, Permission.ManageCredentials, true)]
    [InlineData(Role.Operator, Permission.ManageKeys, false)]
    [InlineData(Role.Operator, Permission.ViewBilling, false)]
    [InlineData(Role.Operator, Permission.ManageUsers, false)]
    [InlineData(Role.Admin, Permission.ManageKeys, true)]
    [InlineData(Role.Admin, Permission.ViewBilling, true)]
    [InlineData(Role.Admin, Permission.ManageUsers, true)]
    public void Grants_Table_MatchesPolicy(Role role, Permission permission, bool expected) =>
        Assert.Equal(expected, RolePermissions.Grants(role, permission));

    [Fact]
    public void For_HigherRole_IsSupersetOfLower()
    {
        Assert.Equal(RolePermissions.For(Role.Viewer), RolePermissions.For(Role.Operator) & RolePermissions.For(Role.Viewer));
        Assert.Equal(RolePermissions.For(Role.Operator), RolePermissions.For(Role.Admin) & RolePermissions.For(Role.Operator));
    }

    [Fact]
    public void ApiKeyToken_RoundTripsAndRejectsMalformed()
    {
        var token = ApiKeyToken.Issue(new AgentFunctions.Common.TenantId("acme"));
        Assert.True(ApiKeyToken.TryParse(token.ToString(), out var parsed));
        Assert.Equal(token, parsed);
        Assert.False(ApiKeyToken.TryParse("afk.acme.key_x", out _));
        Assert.False(ApiKeyToken.TryParse("afk.a/b.key_x.secretsecretsecret", out _));
        Assert.False(ApiKeyToken.TryParse("xyz.acme.key_x.secretsecretsecret", out _));
        Assert.True(ApiKeyToken.HashMatches(token.Secret, ApiKeyToken.Hash(token.Secret)));
        Assert.False(ApiKeyToken.HashMatches(token.Secret + "x", ApiKeyToken.Hash(token.Secret)));
    }
}
