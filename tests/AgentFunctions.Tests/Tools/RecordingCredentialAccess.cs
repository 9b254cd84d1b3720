using System.Collections.Concurrent;
using System.Text.Json;
using AgentFunctions.Credentials;

namespace AgentFunctions.Tests.Tools;

/// <summary>A hand-written credentials service: hands out the configured secrets and records every use request.</summary>
public sealed class RecordingCredentialAccess : ICredentialAccess
{
    private readonly Dictionary<string, string> secrets = new(StringComparer.Ordinal);

    public ConcurrentQueue<CredentialUseRequest> Requests { get; } = new();

    public string? RefuseWith { get; set; }

    public RecordingCredentialAccess With(string credentialId, string secretJson)
    {
        secrets[credentialId] = secretJson;
        return this;
    }

    public Task<CredentialSecret> UseAsync(CredentialUseRequest request, CancellationToken cancellationToken = default)
    {
        Requests.Enqueue(request);
        if (RefuseWith is { } reason) throw new CredentialUseRefusedException(request.CredentialId, reason);
        if (!secrets.TryGetValue(request.CredentialId, out var json)) throw new CredentialUseRefusedException(request.CredentialId, "not found");
        using var document = JsonDocument.Parse(json);
        return Task.FromResult(new CredentialSecret(request.CredentialId, document.RootElement.Clone()));
    }
}
