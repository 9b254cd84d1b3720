using System.Text.Json;
using AgentFunctions.Credentials;
using AgentFunctions.Engine.Tools;
using AgentFunctions.Tools;

namespace AgentFunctions.Tests.Tools;

public sealed class ToolPolicyUnitTests
{
    [Theory]
    [InlineData("""{"password":"p","nested":{"Password":"q","ok":1},"list":[{"token":"t"}]}""", """{"password":"[redacted]","nested":{"Password":"[redacted]","ok":1},"list":[{"token":"[redacted]"}]}""")]
    [InlineData("""{"ok":1}""", """{"ok":1}""")]
    [InlineData("not json password", "not json password")]
    [InlineData("""{"name":"Zoë +1","token":"t"}""", """{"name":"Zoë +1","token":"[redacted]"}""")]
    public void Redact_NamedFieldsAtAnyDepth_AreReplaced(string input, string expected)
    {
        Assert.Equal(expected, JsonRedactor.Redact(input, ["password", "token"]));
    }

    [Theory]
    [InlineData("api.example.com", "https://api.example.com/x", true)]
    [InlineData("API.example.com", "https://api.EXAMPLE.com/x", true)]
    [InlineData("*.example.com", "https://a.b.example.com/x", true)]
    [InlineData("*.example.com", "https://example.com/x", false)]
    [InlineData("example.com", "https://example.com.evil.test/x", false)]
    [InlineData("example.com", "https://evilexample.com/x", false)]
    public void Allows_HostPatterns_MatchExactlyOrAsSubdomain(string allowed, string url, bool expected)
    {
        Assert.Equal(expected, HostAllowlist.Allows([allowed], new Uri(url)));
    }

    [Fact]
    public void Fill_ValuesWithReservedCharacters_AreEscapedInPathAndQuery()
    {
        using var args = JsonDocument.Parse("""{"id":"../../admin","q":"a&b=c#d","n":3}""");

        var (url, used) = UrlTemplate.Fill("https://api.example.com/v1/items/{id}?search={q}&n={n}", args.RootElement);

        Assert.Equal("https://api.example.com/v1/items/..%2F..%2Fadmin?search=a%26b%3Dc%23d&n=3", url.AbsoluteUri);
        Assert.Equal("api.example.com", url.Host);
        Assert.Equal(["id", "q", "n"], used);
    }

    [Fact]
    public void Fill_UserInfoTrickInValue_CannotChangeHost()
    {
        using var args = JsonDocument.Parse("""{"path":"@169.254.169.254/"}""");

        var (url, _) = UrlTemplate.Fill("https://api.example.com/{path}", args.RootElement);

        Assert.Equal("api.example.com", url.Host);
    }

    [Theory]
    [InlineData("\"plain-token\"", null, "Authorization", "Bearer {token}", "Bearer plain-token")]
    [InlineData("""{"api_key":"k-1"}""", null, "X-Api-Key", null, "k-1")]
    [InlineData("""{"client":"c","secret":"s-2"}""", "secret", "Authorization", "Token {value}", "Token s-2")]
    public void Build_Placement_FormatsTheChosenField(string secretJson, string? field, string header, string? format, string expected)
    {
        using var document = JsonDocument.Parse(secretJson);
        var secret = new CredentialSecret("cred", document.RootElement.Clone());

        var (name, value, _) = CredentialHeader.Build(secret, new CredentialPlacement(header, format, field));

        Assert.Equal(header, name);
        Assert.Equal(expected, value);
    }

    [Fact]
    public void Build_MissingField_RefusesWithoutShowingTheSecret()
    {
        using var document = JsonDocument.Parse("""{"other":"super-secret"}""");
        var secret = new CredentialSecret("cred", document.RootElement.Clone());

        var ex = Assert.Throws<ToolCallException>(() => CredentialHeader.Build(secret, new CredentialPlacement("Authorization", null, "token")));

        Assert.DoesNotContain("super-secret", ex.Message);
    }

    [Fact]
    public void Validate_OutOfRangeOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolExecutionOptions { MaxResponseBytes = 10 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToolExecutionOptions { DefaultToolTimeoutSeconds = 0 }.Validate());
        new ToolExecutionOptions().Validate();
    }
}
