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

    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
