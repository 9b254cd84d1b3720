using AgentFunctions.Common;

namespace AgentFunctions.Knowledge;

/// <summary>
/// Where a document's original file lives: <c>{tenantId}/{knowledgeBaseId}/{fileName}</c> inside the <c>documents</c>
/// container (Azure) or folder (local). The same rules check an uploaded name and a dropped path, so anything an upload
/// accepts is a valid blob name and a valid file name on every OS, and nothing can reach outside its knowledge base.
/// </summary>
public static class KnowledgeFilePath
{
    public const string Container = "documents";

    public const int MaxFileNameLength = 255;

    public static string Of(TenantId tenant, string knowledgeBaseId, string fileName) => $"{tenant.Value}/{knowledgeBaseId}/{fileName}";

    /// <summary>Why <paramref name="name"/> cannot be a document's file name, or null when it can.</summary>
    public static string? FileNameProblem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "is required";
        if (name.Length > MaxFileNameLength) return $"must be at most {MaxFileNameLength} characters";
        if (name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal) || name is ".") return "must be a plain file name: no '/', '\\' or '..'";
        if (name.Any(char.IsControl)) return "must not contain control characters";
        if (name != name.Trim() || name.EndsWith('.')) return "must not start or end with white space or end with '.'";
        return null;
    }

    /// <summary>
    /// Reads a path relative to the container (<c>{tenantId}/{knowledgeBaseId}/{fileName}</c>; a leading
    /// <c>documents/</c> is accepted too). False with the reason when it is not one.
    /// </summary>
    public static bool TryParse(string? path, out TenantId tenant, out string knowledgeBaseId, out string fileName, out string? problem)
    {
        tenant = default;
        knowledgeBaseId = fileName = string.Empty;
        var relative = path ?? string.Empty;
        if (relative.StartsWith(Container + "/", StringComparison.Ordinal)) relative = relative[(Container.Length + 1)..];
        var parts = relative.Split('/');
        if (parts.Length != 3)
        {
            problem = "a dropped file must be at {tenantId}/{knowledgeBaseId}/{fileName}";
            return false;
        }
        if (!TenantId.TryParse(parts[0], out tenant) || tenant == TenantId.Platform)
        {
            problem = "the first folder is not a tenant id";
            return false;
        }
        if (!Ids.LooksValid(parts[1]) || parts[1].Contains("..", StringComparison.Ordinal))
        {
            problem = "the second folder is not a knowledge base id";
            return false;
        }
        if (FileNameProblem(parts[2]) is { } nameProblem)
        {
            problem = "the file name " + nameProblem;
            return false;
        }
        knowledgeBaseId = parts[1];
        fileName = parts[2];
        problem = null;
        return true;
    }
}
