namespace AgentFunctions.Common;

/// <summary>Collects field errors and throws them together, so a client sees every problem in one answer.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsValid => errors.Count == 0;

    public Validation Add(string field, string error)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(error);
        return this;
    }

    public Validation Require(bool condition, string field, string error) => condition ? this : Add(field, error);

    public Validation RequireText(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return Add(field, "is required");
        if (value.Length > maxLength) return Add(field, $"must be at most {maxLength} characters");
        return this;
    }

    /// <summary>
    /// A name, title or address: required text of at most <paramref name="maxLength"/> characters, on one line, with no
    /// control characters (U+0000-U+001F, U+007F-U+009F, the line and paragraph separators).
    /// </summary>
    public Validation RequireName(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength) return RequireText(value, field, maxLength);
        return OptionalName(value, field, maxLength);
    }

    /// <summary>Like <see cref="RequireName"/> when a value is given; null is fine.</summary>
    public Validation OptionalName(string? value, string field, int maxLength)
    {
        if (value is null) return this;
        if (value.Length > maxLength) return Add(field, $"must be at most {maxLength} characters");
        if (ContainsControl(value)) return Add(field, "must not contain control characters or line breaks");
        return this;
    }

    public static bool ContainsControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029') return true;
        }
        return false;
    }

    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
