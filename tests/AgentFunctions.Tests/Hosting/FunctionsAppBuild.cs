using System.Reflection;
using System.Text.Json;

namespace AgentFunctions.Tests.Hosting;

/// <summary>One function as the Functions SDK's generator wrote it into functions.metadata.</summary>
public sealed record FunctionMetadata(string Name, string EntryPoint, IReadOnlyList<JsonElement> Bindings)
{
    public JsonElement? Trigger => Bindings.Cast<JsonElement?>().FirstOrDefault(b => b!.Value.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));

    public string? TriggerType => Trigger?.GetProperty("type").GetString();

    public IReadOnlyList<string> BindingTypes => Bindings.Select(b => b.GetProperty("type").GetString()!).ToList();
}

/// <summary>The Functions app's build output: where it is, the generated metadata, the assemblies it ships.</summary>
public static class FunctionsAppBuild
{
    public static string OutputDirectory { get; } = typeof(FunctionsAppBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "FunctionsAppOutput").Value!;

    /// <summary>The repository's root folder (the one holding AgentFunctions.sln), found upward from the test output.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentFunctions.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException("AgentFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    public static IReadOnlyList<FunctionMetadata> ReadMetadata()
    {
        var path = Path.Combine(OutputDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"The Functions SDK wrote no {path}: build functions/AgentFunctions.Functions first.");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray()
            .Select(f => new FunctionMetadata(
                f.GetProperty("name").GetString()!,
                f.GetProperty("entryPoint").GetString()!,
                f.GetProperty("bindings").EnumerateArray().Select(b => b.Clone()).ToList()))
            .ToList();
    }

    /// <summary>HTTP functions as routes: one per method, template and auth level exactly as the metadata states them.</summary>
    public static IReadOnlyList<HttpRoute> HttpRoutes(IEnumerable<FunctionMetadata> functions) =>
        functions
            .Where(f => f.TriggerType == "httpTrigger")
            .SelectMany(f =>
            {
                var trigger = f.Trigger!.Value;
                var methods = trigger.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                    ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).Distinct().ToList()
                    : [RouteParity.AnyMethod];
                var route = trigger.TryGetProperty("route", out var r) ? r.GetString()! : f.Name;
                var authLevel = trigger.GetProperty("authLevel").GetString()!.ToLowerInvariant();
                return methods.Select(method => new HttpRoute(f.Name, method, route.TrimStart('/'), authLevel));
            })
            .ToList();
}
