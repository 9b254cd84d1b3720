using System.Collections.Concurrent;
using System.Text.Json;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Storage;
using AgentFunctions.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Triggers;

/// <summary>
/// Re-publishing the outbox (trigger events left queued): a page at a time over a backlog larger than a page, every
/// queued event once, nothing else; and the refill stops when the bus has no room left.
/// </summary>
public sealed class QueuedSweepTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-sweep-" + Guid.NewGuid().ToString("N"));
    private static readonly TenantId Acme = new("acme");
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private sealed class RecordingBus : IEventBus
    {
        public ConcurrentQueue<string> Notified { get; } = new();

        public Task PublishAsync<T>(T message, CancellationToken cancellationToken = default) where T : IBusMessage => NotifyAsync(message, cancellationToken);

        public Task NotifyAsync<T>(T message, CancellationToken cancellationToken = default) where T : IBusMessage
        {
            Notified.Enqueue(message.MessageId);
            return Task.CompletedTask;
        }
    }

    private static async Task<List<string>> SeedAsync(IDocumentStore store, int queued, int started)
    {
        await store.For(TenantId.Platform).CreateAsync(new TriggerDirectoryEntry("trg_1", TenantId.Platform, Acme, TriggerSystem.Webhook, true));
        var ids = new List<string>();
        for (var i = 0; i < queued + started; i++)
        {
            var status = i % 3 == 2 && started > 0 ? TriggerEventStatus.Started : TriggerEventStatus.Queued;
            var e = new TriggerEvent(Ids.NewSortable("evt", Start.AddSeconds(i)), Acme, "trg_1", "agt_1", TriggerSystem.Webhook, Start.AddSeconds(i),
                JsonSerializer.SerializeToElement(new { n = i }), status, null, null, $"msg_{i}", Start.AddSeconds(i));
            await store.For(Acme).CreateAsync(e);
            if (status == TriggerEventStatus.Queued) ids.Add(e.Id);
        }
        return ids;
    }

    private (FileDocumentStore Store, RecordingBus Bus, TimerScheduler Scheduler) Create()
    {
        var store = new FileDocumentStore(directory);
        var bus = new RecordingBus();
        return (store, bus, new TimerScheduler(store, bus, TimeProvider.System, NullLogger<TimerScheduler>.Instance));
    }

    [Fact]
    public async Task TheSweep_PagesThroughABacklogLargerThanAPage_AndOffersEachQueuedEventOnce()
    {
        var (store, bus, scheduler) = Create();
        using var _ = store;
        var queued = await SeedAsync(store, queued: 1100, started: 550);

        var republished = await scheduler.SweepQueuedAsync([Acme, Acme], Start.AddHours(1), CancellationToken.None);

        Assert.Equal(queued.Count, republished);
        Assert.Equal(queued.Order(StringComparer.Ordinal), bus.Notified.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheRefill_OffersTheOldestFirst_AndStopsWhenTheBusHasNoRoom()
    {
        var (store, bus, scheduler) = Create();
        using var _ = store;
        var queued = await SeedAsync(store, queued: 1100, started: 0);

        var complete = await scheduler.RepublishQueuedAsync(() => bus.Notified.Count < 700);

        Assert.False(complete);
        Assert.Equal(queued.Order(StringComparer.Ordinal).Take(700), bus.Notified);
        bus.Notified.Clear();
        Assert.True(await scheduler.RepublishQueuedAsync(() => true));
        Assert.Equal(queued.Count, bus.Notified.Count);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
