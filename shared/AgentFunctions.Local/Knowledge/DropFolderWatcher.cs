using AgentFunctions.Knowledge;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Knowledge;

/// <summary>
/// The local host's counterpart of the blob-triggered function: scans the documents folder
/// (<c>{root}/{tenantId}/{knowledgeBaseId}/{fileName}</c>, the blob layout) every <see cref="Period"/> and hands each new or
/// changed file to <see cref="KnowledgeDrops"/>. A file is taken once its size and time stamp held still for one scan, so
/// a file still being copied in is not read half-way. Polling rather than FileSystemWatcher: it behaves the same on every
/// OS and file system, and after a restart the first scans see every file again (the drops service finds the unchanged
/// ones unchanged).
/// </summary>
public sealed class DropFolderWatcher(FolderKnowledgeContent folder, KnowledgeDrops drops, ILogger<DropFolderWatcher> logger) : BackgroundService
{
    private readonly Dictionary<string, (long Size, DateTime Written, bool Done)> seen = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim scanning = new(1, 1);

    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>One scan: returns what each file that was taken came to (tests call it directly instead of waiting).</summary>
    public async Task<IReadOnlyList<(string Path, DropResult Result)>> ScanAsync(CancellationToken cancellationToken = default)
    {
        await scanning.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ScanOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            scanning.Release();
        }
    }

    private async Task<IReadOnlyList<(string Path, DropResult Result)>> ScanOnceAsync(CancellationToken cancellationToken)
    {
        var results = new List<(string, DropResult)>();
        if (!Directory.Exists(folder.Root)) return results;
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden }))
        {
            var relative = Path.GetRelativePath(folder.Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.StartsWith(FolderKnowledgeContent.IncomingFolder + "/", StringComparison.Ordinal)) continue;
            present.Add(relative);
            var info = new FileInfo(file);
            if (!info.Exists) continue;
            var now = (info.Length, info.LastWriteTimeUtc);
            if (seen.TryGetValue(relative, out var last) && last.Size == now.Length && last.Written == now.LastWriteTimeUtc)
            {
                if (last.Done) continue;
                try
                {
                    var result = await drops.IngestAsync(relative, cancellationToken).ConfigureAwait(false);
                    results.Add((relative, result));
                    seen[relative] = (now.Length, now.LastWriteTimeUtc, true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Left not done: the next scan tries again, as Event Grid redelivers in Azure.
                    logger.LogError(ex, "Dropped file {Path} could not be ingested; retrying at the next scan", relative);
                }
            }
            else
            {
                seen[relative] = (now.Length, now.LastWriteTimeUtc, false);
            }
        }
        foreach (var gone in seen.Keys.Where(k => !present.Contains(k)).ToList()) seen.Remove(gone);
        return results;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        logger.LogInformation("Watching {Folder} for dropped documents ({{tenantId}}/{{knowledgeBaseId}}/{{fileName}})", folder.Root);
        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                await ScanAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Scanning {Folder} for dropped documents failed", folder.Root);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
