using AgentFunctions.Common;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Local.Knowledge;

/// <summary>Uploaded files under <c>{root}/{tenant}/{knowledge base}/{document}/v{version}</c>, written to a temporary name and moved into place.</summary>
public sealed class FolderKnowledgeContent(string root) : IKnowledgeContent
{
    public async Task PutAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var folder = DocumentFolder(tenant, knowledgeBaseId, documentId);
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, $"v{version}");
        var temporary = target + ".tmp-" + Guid.NewGuid().ToString("N");
        await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }

    public async Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string documentId, int version, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(DocumentFolder(tenant, knowledgeBaseId, documentId), $"v{version}");
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    public Task DeleteAsync(TenantId tenant, string knowledgeBaseId, string documentId, int? keepFromVersion = null, CancellationToken cancellationToken = default)
    {
        var folder = DocumentFolder(tenant, knowledgeBaseId, documentId);
        if (!Directory.Exists(folder)) return Task.CompletedTask;
        if (keepFromVersion is null)
        {
            Directory.Delete(folder, recursive: true);
            return Task.CompletedTask;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "v*"))
        {
            var name = Path.GetFileName(file);
            if (int.TryParse(name.AsSpan(1), out var version) && version < keepFromVersion) File.Delete(file);
        }
        return Task.CompletedTask;
    }

    public Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(root, Segment(tenant.Value), Segment(knowledgeBaseId));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    public Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(root, Segment(tenant.Value));
        if (!Directory.Exists(folder)) return Task.FromResult(0L);
        long files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).LongCount();
        Directory.Delete(folder, recursive: true);
        return Task.FromResult(files);
    }

    private string DocumentFolder(TenantId tenant, string knowledgeBaseId, string documentId) =>
        Path.Combine(root, Segment(tenant.Value), Segment(knowledgeBaseId), Segment(documentId));

    // Ids are ours, but a path is built from them: refuse anything that could leave the folder.
    private static string Segment(string value) =>
        Ids.LooksValid(value) && !value.Contains("..", StringComparison.Ordinal) ? value : throw new ArgumentException($"'{value}' is not a valid id for a path.", nameof(value));
}
