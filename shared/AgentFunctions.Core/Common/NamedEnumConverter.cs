using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentFunctions.Common;

/// <summary>
/// Enums as snake_case strings (<c>"role": "operator"</c>). A value outside the enum is refused with a message that
/// names the allowed values (<see cref="AllowedValuesJsonException"/>), not as "wrong type". Numbers are refused.
/// [Flags] enums keep the framework's converter (their text is a comma list).
/// </summary>
public sealed class NamedEnumConverterFactory : JsonConverterFactory
{
    private static readonly JsonStringEnumConverter FlagsConverter = new(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false);
    private readonly ConcurrentDictionary<Type, JsonConverter> converters = new();

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        converters.GetOrAdd(typeToConvert, static (type, options) => type.IsDefined(typeof(FlagsAttribute), inherit: false)
            ? FlagsConverter.CreateConverter(type, options)!
            : (JsonConverter)Activator.CreateInstance(typeof(NamedEnumConverter<>).MakeGenericType(type))!, options);
}

/// <summary>One enum type's names both ways; reading ignores case.</summary>
public sealed class NamedEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    private static readonly FrozenDictionary<T, string> Names =
        Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => v, v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()));

    private static readonly FrozenDictionary<string, T> Values =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    private static readonly string Allowed = string.Join(", ", Names.Values.Select(n => $"'{n}'"));

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && reader.GetString() is { } text)
        {
            if (Values.TryGetValue(text, out var value)) return value;
            if (Enum.TryParse<T>(text, ignoreCase: false, out var named) && Names.ContainsKey(named) && !char.IsDigit(text[0]) && text[0] != '-') return named;
        }
        throw new AllowedValuesJsonException($"must be one of {Allowed}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (!Names.TryGetValue(value, out var name)) throw new JsonException($"{typeof(T).Name} has no value {value}.");
        writer.WriteStringValue(name);
    }

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, typeToConvert, options);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (!Names.TryGetValue(value, out var name)) throw new JsonException($"{typeof(T).Name} has no value {value}.");
        writer.WritePropertyName(name);
    }
}

/// <summary>A value outside a closed set; its message is meant for the client as it is.</summary>
public sealed class AllowedValuesJsonException(string message) : JsonException(message);
