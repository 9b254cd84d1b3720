using AgentFunctions.Common;
using AgentFunctions.Knowledge;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local stand-in for the <c>documents</c> blob container: files at <c>{root}/{tenantId}/{knowledgeBaseId}/{fileName}</c>
/// (the blob layout), so the same folder is the watched drop folder. A write goes to <c>{root}/.incoming</c> first and is
/// moved into place, so a reader (or the watcher) never sees half a file.
/// </summary>
public sealed class FolderKnowledgeContent(string root) : IKnowledgeContent
{
    /// <summary>Where writes are staged before they are moved into place; the watcher skips it.</summary>
    public const string IncomingFolder = ".incoming";

    public string Root { get; } = Path.GetFullPath(root);

    public async Task PutAsync(TenantId tenant, string knowledgeBaseId, string fileName, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var target = FilePath(tenant, knowledgeBaseId, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var incoming = Path.Combine(Root, IncomingFolder);
        Directory.CreateDirectory(incoming);
        var temporary = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    public async Task<byte[]?> GetAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        var path = FilePath(tenant, knowledgeBaseId, fileName);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<long?> GetSizeAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(FilePath(tenant, knowledgeBaseId, fileName));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Task<bool> DeleteAsync(TenantId tenant, string knowledgeBaseId, string fileName, CancellationToken cancellationToken = default)
    {
        var path = FilePath(tenant, knowledgeBaseId, fileName);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<string>> ListAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        var folder = KnowledgeBaseFolder(tenant, knowledgeBaseId);
        IReadOnlyList<string> names = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList()
            : [];
        return Task.FromResult(names);
    }

    public Task DeleteKnowledgeBaseAsync(TenantId tenant, string knowledgeBaseId, CancellationToken cancellationToken = default)
    {
        var folder = KnowledgeBaseFolder(tenant, knowledgeBaseId);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return Task.CompletedTask;
    }

    public Task<long> DeleteTenantAsync(TenantId tenant, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(Root, tenant.Value);
        if (!Directory.Exists(folder)) return Task.FromResult(0L);
        long files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).LongCount();
        Directory.Delete(folder, recursive: true);
        return Task.FromResult(files);
    }

    private string KnowledgeBaseFolder(TenantId tenant, string knowledgeBaseId) =>
        Path.Combine(Root, tenant.Value, Ids.LooksValid(knowledgeBaseId) && !knowledgeBaseId.Contains("..", StringComparison.Ordinal)
            ? knowledgeBaseId
            : throw new ArgumentException($"'{knowledgeBaseId}' is not a valid knowledge base id for a path.", nameof(knowledgeBaseId)));

    // Names are checked by the service too; a path is built from them here, so refuse anything that could leave the folder.
    private string FilePath(TenantId tenant, string knowledgeBaseId, string fileName) =>
        Path.Combine(KnowledgeBaseFolder(tenant, knowledgeBaseId), KnowledgeFilePath.FileNameProblem(fileName) is null
            ? fileName
            : throw new ArgumentException($"'{fileName}' is not a valid file name.", nameof(fileName)));
}
