using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Credentials;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Credentials;

/// <summary>The records that carry a secret print without it, so a log template or assertion message cannot leak it.</summary>
public sealed class CredentialRecordsTests
{
    [Fact]
    public void ToString_OfEveryRecordCarryingASecret_HidesTheValue()
    {
        var secret = SecretRegistry.New("records-tostring");
        var element = JsonDocument.Parse(JsonSerializer.Serialize(new { token = secret })).RootElement.Clone();
        var now = DateTimeOffset.UtcNow;
        object[] carriers =
        [
            new CreateCredentialRequest("usr_1", new() { ["system"] = "x" }, element),
            new RotateCredentialRequest(element),
            new CredentialView("cred_1", new TenantId("ten_1"), null, new Dictionary<string, string>(), 1, now, now, null, ["api.example.com"], element),
            new CredentialSecret("cred_1", element),
        ];
        Assert.All(carriers, c => Assert.DoesNotContain(secret, c.ToString()));
        Assert.All(carriers, c => Assert.Contains("***", c.ToString()));
    }
}
