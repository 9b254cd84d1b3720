using System.Net;
using System.Text;
using System.Text.Json;
using AgentFunctions.Engine.Tools;

namespace AgentFunctions.Tests.Tools;

public sealed class SecretScrubberTests
{
    private const string Secret = "s3cr3t/tok+en=v~1&x";

    private static SecretScrubber CreateSut()
    {
        var scrubber = new SecretScrubber();
        scrubber.Add(Secret);
        return scrubber;
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static TheoryData<string> Echoes() => new()
    {
        $"token={Secret}",
        $"token={Uri.EscapeDataString(Secret)}",
        $"token={WebUtility.UrlEncode(Secret)}",
        $"token={WebUtility.UrlEncode(Secret).ToLowerInvariant()}",
        $"b64 {B64(Secret)}",
        $"b64 {B64(Secret).TrimEnd('=')}",
        $"b64url {B64(Secret).TrimEnd('=').Replace('+', '-').Replace('/', '_')}",
        $"Authorization: Basic {B64("user:" + Secret)}",
        $"blob {B64(JsonSerializer.Serialize(new { token = Secret, more = "data" }))}",
        $"partly %73%33cr3t%2Ftok%2Ben%3Dv~1%26x encoded",
        JsonSerializer.Serialize(new { echoed = Secret, nested = new[] { "a " + Secret } }),
        JsonSerializer.Serialize(new Dictionary<string, string> { [Secret] = "as a key" }),
    };

    [Theory]
    [MemberData(nameof(Echoes))]
    public void Scrub_SecretInAnyEncoding_IsReplacedByTheMarker(string echo)
    {
        var scrubbed = CreateSut().Scrub(echo);

        Assert.Contains(JsonRedactor.Marker, scrubbed);
        Assert.DoesNotContain("s3cr3t", scrubbed);
        Assert.DoesNotContain("tok+en", scrubbed);
        foreach (var form in new[] { B64(Secret).TrimEnd('='), Uri.EscapeDataString(Secret), B64("user:" + Secret) })
        {
            Assert.DoesNotContain(form, scrubbed);
        }
    }

    [Fact]
    public void Scrub_JsonWithEscapedCharacters_IsScrubbedAfterUnescaping()
    {
        // The default encoder writes '+' as \u002B and '&' as \u0026: the raw text holds no literal copy of the secret.
        var json = JsonSerializer.Serialize(new { token = Secret, b64 = B64("x" + Secret) });
        Assert.DoesNotContain(Secret, json);

        var scrubbed = CreateSut().Scrub(json);

        using var document = JsonDocument.Parse(scrubbed);
        Assert.Equal(JsonRedactor.Marker, document.RootElement.GetProperty("token").GetString());
        Assert.Equal(JsonRedactor.Marker, document.RootElement.GetProperty("b64").GetString());
    }

    [Fact]
    public void Scrub_TextWithoutTheSecret_IsUnchanged()
    {
        const string text = """{"contact":{"name":"Ada Lovelace","note":"aGVsbG8gd29ybGQ= and a%20b"}}""";

        Assert.Equal(text, CreateSut().Scrub(text));
    }

    [Fact]
    public void AddStrings_TakesEveryLongEnoughStringOfTheSecretObject()
    {
        var scrubber = new SecretScrubber();
        using var secret = JsonDocument.Parse("""{"client_id":"client-1234567","client_secret":"very-secret-value","region":"eu","nested":{"refresh":"refresh-abcdefgh"}}""");
        scrubber.AddStrings(secret.RootElement, minLength: 8);

        var scrubbed = scrubber.Scrub("client-1234567 very-secret-value refresh-abcdefgh region eu");

        Assert.Equal("[redacted] [redacted] [redacted] region eu", scrubbed);
    }

    [Fact]
    public void Add_ValueShorterThanTheMinimum_IsIgnored()
    {
        var scrubber = new SecretScrubber();
        scrubber.Add("abc");

        Assert.True(scrubber.IsEmpty);
        Assert.Equal("abc abc", scrubber.Scrub("abc abc"));
    }
}
