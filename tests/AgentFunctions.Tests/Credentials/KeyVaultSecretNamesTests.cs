using AgentFunctions.Azure.KeyVault;
using AgentFunctions.Common;
using AgentFunctions.Credentials;

namespace AgentFunctions.Tests.Credentials;

public sealed class KeyVaultSecretNamesTests
{
    private const string TenantChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

    [Theory]
    [InlineData("ten_acme", "cred-ten-0acme--")]
    [InlineData("ten_ACME", "cred-ten-0-a-c-m-e--")]
    [InlineData("a-b", "cred-a-1b--")]
    public void For_ShortTenant_UsesReadableEscapedForm(string tenant, string expectedPrefix)
    {
        var id = Credential.NewId();
        Assert.Equal(expectedPrefix + id[5..], KeyVaultSecretNames.For(new TenantId(tenant), id));
    }

    [Fact]
    public void For_WorstCaseTenant_FallsBackToPackedFormWithinKeyVaultLimits()
    {
        var tenant = new TenantId(new string('_', 64));
        var name = KeyVaultSecretNames.For(tenant, Credential.NewId());
        Assert.StartsWith("credb-", name);
        Assert.True(name.Length <= KeyVaultSecretNames.MaxNameLength);
    }

    [Fact]
    public void For_RandomTenantsAndIds_AreValidKeyVaultNamesAndDecodeBack()
    {
        var random = new Random(20261121);
        for (var i = 0; i < 5000; i++)
        {
            var tenant = new TenantId(new string(Enumerable.Range(0, random.Next(1, 65)).Select(_ => TenantChars[random.Next(TenantChars.Length)]).ToArray()));
            var id = Credential.NewId();
            var name = KeyVaultSecretNames.For(tenant, id);

            Assert.InRange(name.Length, 1, KeyVaultSecretNames.MaxNameLength);
            Assert.All(name, c => Assert.True(char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-'));
            Assert.True(KeyVaultSecretNames.TryParse(name, out var parsedTenant, out var parsedId), name);
            Assert.Equal(tenant, parsedTenant);
            Assert.Equal(id, parsedId);
        }
    }

    [Fact]
    public void For_TenantsDifferingOnlyInCaseOrPunctuation_NeverShareANameEvenIgnoringCase()
    {
        var id = Credential.NewId();
        string[] tenants = ["ten_acme", "ten_ACME", "ten_Acme", "ten-acme", "tenacme", "ten__acme", "ten_acme-", "TEN_acme", new string('A', 64), new string('a', 64)];
        var names = tenants.Select(t => KeyVaultSecretNames.For(new TenantId(t), id).ToLowerInvariant()).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void For_IdWeDidNotIssue_Throws()
    {
        Assert.Throws<ArgumentException>(() => KeyVaultSecretNames.For(new TenantId("ten_acme"), "cred_../../x"));
    }
}
