using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Common;

/// <summary>
/// The partition every stored record lives in. Store and index calls take one of these,
/// never a bare string, so a call without a tenant cannot be written.
/// </summary>
[JsonConverter(typeof(TenantIdJsonConverter))]
public readonly record struct TenantId
{
    /// <summary>Partition for platform-level records (the tenant directory, platform settings).</summary>
    public static readonly TenantId Platform = new("_platform");

    public TenantId(string value)
    {
        if (!IsValid(value))
        {
            throw new ArgumentException($"'{value}' is not a valid tenant id.", nameof(value));
        }
        Value = value;
    }

    public string Value { get; }

    public static bool IsValid(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static bool TryParse(string? value, out TenantId tenant)
    {
        tenant = default;
        if (!IsValid(value)) return false;
        tenant = new TenantId(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;
}

internal sealed class TenantIdJsonConverter : JsonConverter<TenantId>
{
    public override TenantId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("tenant id must be a string"));

    public override void Write(Utf8JsonWriter writer, TenantId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
