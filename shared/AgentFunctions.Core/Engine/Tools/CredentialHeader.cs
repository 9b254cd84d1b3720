using System.Text.Json;
using AgentFunctions.Credentials;
using AgentFunctions.Tools;

namespace AgentFunctions.Engine.Tools;

/// <summary>
/// Turns a secret into the header a tool sends. <see cref="CredentialPlacement.Field"/> picks a property of the secret
/// object (when null the secret must be a plain string, or an object with one of <c>token</c>, <c>access_token</c>,
/// <c>api_key</c>); <see cref="CredentialPlacement.Format"/> wraps it, e.g. <c>Bearer {token}</c> (<c>{token}</c> and
/// <c>{value}</c> are both replaced). The header name and value never reach a log.
/// </summary>
public static class CredentialHeader
{
    public static readonly CredentialPlacement DefaultPlacement = new("Authorization", "Bearer {token}", null);

    private static readonly string[] ConventionalFields = ["token", "access_token", "api_key", "apiKey", "key"];

    public static (string Name, string Value, string RawSecret) Build(CredentialSecret secret, CredentialPlacement? placement)
    {
        placement ??= DefaultPlacement;
        if (string.IsNullOrWhiteSpace(placement.Header) || placement.Header.Any(c => c is '\r' or '\n' or ':' or ' '))
        {
            throw new ToolCallException("the credential placement names no valid header");
        }
        var raw = Pick(secret.Value, placement.Field)
            ?? throw new ToolCallException(placement.Field is null
                ? "the credential has no usable value (set credential_placement.field)"
                : $"the credential has no string field '{placement.Field}'");
        if (raw.Any(c => c is '\r' or '\n'))
        {
            throw new ToolCallException("the credential value cannot go in a header");
        }
        var value = string.IsNullOrEmpty(placement.Format)
            ? raw
            : placement.Format.Replace("{token}", raw, StringComparison.Ordinal).Replace("{value}", raw, StringComparison.Ordinal);
        return (placement.Header, value, raw);
    }

    private static string? Pick(JsonElement value, string? field)
    {
        if (field is not null)
        {
            return value.ValueKind == JsonValueKind.Object && value.TryGetProperty(field, out var picked) && picked.ValueKind == JsonValueKind.String
                ? picked.GetString()
                : null;
        }
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        if (value.ValueKind != JsonValueKind.Object) return null;
        foreach (var name in ConventionalFields)
        {
            if (value.TryGetProperty(name, out var picked) && picked.ValueKind == JsonValueKind.String) return picked.GetString();
        }
        return null;
    }
}
