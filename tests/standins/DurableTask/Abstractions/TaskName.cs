// Compile-only stand-in. Mirrors microsoft/durabletask-dotnet, src/Abstractions/TaskName.cs (package Microsoft.DurableTask.Abstractions).
// A value type with data only, so the implicit conversion from string behaves like the real one (names are compared
// case-insensitively there too).
namespace Microsoft.DurableTask;

public readonly struct TaskName : IEquatable<TaskName>
{
    public TaskName(string name)
    {
        Name = name;
        Version = name is null ? null! : string.Empty;
    }

    public TaskName(string name, string version)
    {
        Name = name;
        Version = version;
    }

    public string Name { get; }

    public string Version { get; }

    public static implicit operator string(TaskName value) => value.Name;

    public static implicit operator TaskName(string value) => string.IsNullOrEmpty(value) ? default : new(value);

    public static bool operator ==(TaskName a, TaskName b) => a.Equals(b);

    public static bool operator !=(TaskName a, TaskName b) => !a.Equals(b);

    public bool Equals(TaskName other) => string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => obj is TaskName other && Equals(other);

    public override int GetHashCode() => Name is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(Name);

    public override string ToString() => string.IsNullOrEmpty(Version) ? Name : Name + ":" + Version;
}
