using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;

namespace AgentFunctions.Tests.Storage;

/// <summary>
/// kill -9 as a user would do it: a separate process (AgentFunctions.StoreCrashWriter) commits batches from several
/// writers and prints each one the store acknowledged; we SIGKILL it mid-stream, reopen the store and check that every
/// acknowledged batch is wholly there and that no batch is there in part. Repeated, resuming on the same folder, with a
/// compaction threshold so small that kills also land inside compactions. The same runs against the SQLite store that
/// keeps the local host's append-heavy records.
/// </summary>
public sealed class FileDocumentStoreCrashTests : IDisposable
{
    private const int Writers = 8;
    private const int Slots = 4;
    private static readonly TenantId CrashTenant = new("crash");
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("sqlite")]
    [InlineData("log")]
    [InlineData("log-held")]
    [InlineData("log-deferred")]
    [InlineData("log-deferred-slots")]
    public async Task KillDuringWrites_Reopen_AcknowledgedBatchesWholeAndNoPartialBatch(string kind)
    {
        var random = new Random(20261121);
        var acknowledged = new int[Writers];
        for (var round = 0; round < 5; round++)
        {
            var killAfter = random.Next(50, 400);
            var acks = await RunWriterAndKillAsync(killAfter, kind);

            Assert.True(acks.Count >= killAfter, $"round {round}: only {acks.Count} acknowledgements");
            foreach (var (writer, batch) in acks) acknowledged[writer] = Math.Max(acknowledged[writer], batch);
            await VerifyAsync(acknowledged, round, kind);
        }
        Assert.DoesNotContain(Directory.GetFiles(directory), f => f.EndsWith(".compacting", StringComparison.Ordinal));
    }

    private async Task<List<(int Writer, int Batch)>> RunWriterAndKillAsync(int killAfter, string kind)
    {
        var writerPath = typeof(FileDocumentStoreCrashTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "StoreCrashWriterPath").Value!;
        Assert.True(File.Exists(writerPath), $"The crash writer was not built at {writerPath}.");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(writerPath);
        start.ArgumentList.Add(directory);
        start.ArgumentList.Add(Writers.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(kind);

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var acks = new List<(int, int)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (acks.Count < killAfter)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
                if (line is null)
                {
                    await process.WaitForExitAsync(timeout.Token);
                    Assert.Fail($"The writer exited on its own ({process.ExitCode}): {await errors}");
                }
                Collect(line, acks);
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Unix: no finalizers, no flush, no dispose.
        }

        // Lines already in the pipe were acknowledged before the kill, so they count too.
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } rest) Collect(rest, acks);
        await process.WaitForExitAsync(timeout.Token);
        if (!OperatingSystem.IsWindows()) Assert.Equal(128 + 9, process.ExitCode);
        return acks;
    }

    private static void Collect(string line, List<(int, int)> acks)
    {
        var parts = line.Split(' ');
        if (parts is ["ack", var writer, var batch]) acks.Add((int.Parse(writer, CultureInfo.InvariantCulture), int.Parse(batch, CultureInfo.InvariantCulture)));
    }

    private async Task VerifyAsync(int[] acknowledged, int round, string kind)
    {
        using var sqlite = kind is "sqlite" or "log" or "log-held" or "log-deferred" or "log-deferred-slots" ? new SqliteDocumentStore(Path.Combine(directory, "crash.db")) : null;
        // The log's records beyond SQLite's checkpoint are filled at open: what a held fill left is all replayed here.
        using var log = kind is "log" or "log-held" or "log-deferred" or "log-deferred-slots" ? new AppendLogDocumentStore(Path.Combine(directory, "log"), sqlite!) : null;
        if (kind == "log-held") Assert.True(log!.ReplayedAtStart > 0, $"round {round}: nothing was left to replay");
        using var files = kind == "file" ? new FileDocumentStore(directory) : null;
        var documents = ((AgentFunctions.Storage.IDocumentStore?)log ?? (AgentFunctions.Storage.IDocumentStore?)sqlite ?? files!).For(CrashTenant);
        var markers = (await documents.QueryAsync("crash_marker", []))
            .Select(m => JsonDocument.Parse(m.Json).RootElement)
            .GroupBy(m => m.GetProperty("writer").GetInt32(), m => m.GetProperty("batch").GetInt32())
            .ToDictionary(g => g.Key, g => g.Order().ToList());

        for (var writer = 0; writer < Writers; writer++)
        {
            var slots = new int?[Slots];
            for (var s = 0; s < Slots; s++)
            {
                var slot = await documents.ReadAsync("crash_slot", $"{writer}-{s}");
                slots[s] = slot is null ? null : JsonDocument.Parse(slot.Json).RootElement.GetProperty("batch").GetInt32();
            }
            // All four slots are written by every batch: disagreeing slots would be a torn batch.
            Assert.True(slots.Distinct().Count() == 1, $"round {round}, writer {writer}: slots disagree ({string.Join(",", slots)})");
            var committed = slots[0] ?? 0;
            Assert.True(committed >= acknowledged[writer], $"round {round}, writer {writer}: batch {acknowledged[writer]} was acknowledged but only {committed} survived");
            // Exactly the markers of batches 1..committed: none missing (lost batch), none beyond (marker without its slots).
            Assert.Equal(Enumerable.Range(1, committed), markers.GetValueOrDefault(writer) ?? []);
        }
        Assert.DoesNotContain(markers.Keys, w => w >= Writers);
    }
}
