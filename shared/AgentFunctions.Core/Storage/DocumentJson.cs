using System.Text.Json;

namespace AgentFunctions.Storage;

/// <summary>Body rules both document adapters enforce the same way.</summary>
public static class DocumentJson
{
    /// <summary>True when <paramref name="json"/> is exactly one JSON object and nothing after it.</summary>
    public static bool IsSingleObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
