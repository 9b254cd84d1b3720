using System.Collections.Concurrent;
using AgentFunctions.Common;
using AgentFunctions.Local.Documents;
using AgentFunctions.Local.Events;
using AgentFunctions.Storage;
using AgentFunctions.Tests.Support;
using AgentFunctions.Triggers;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentFunctions.Tests.Triggers;

/// <summary>The local event bus: durable across a restart, deduplicated while queued, dead-lettering with the reason.</summary>
public sealed class LocalEventBusTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "af-bus-" + Guid.NewGuid().ToString("N"));

    private static TriggerEventReceived Message(int i) => new(new TenantId("acme"), $"evt_{i}", "trg_1");

    private LocalEventBus Bus(FileDocumentStore store, Func<TriggerEventReceived, Task> handler, TimeProvider? time = null) =>
        new(store, [new BusSubscription<TriggerEventReceived>((m, _) => handler(m))], time ?? TimeProvider.System, NullLogger<LocalEventBus>.Instance);

    [Fact]
    public async Task MessagesPublishedBeforeACrash_AreDeliveredAfterRestart_DuplicatesOnce()
    {
        var store = new FileDocumentStore(directory);
        var first = Bus(store, _ => Task.CompletedTask);
        // Published, never consumed: the host dies before its consumers start.
        for (var i = 0; i < 20; i++) await first.PublishAsync(Message(i));
        for (var i = 0; i < 5; i++) await first.PublishAsync(Message(i)); // the same messages again while they wait
        store.Dispose();

        var reopened = new FileDocumentStore(directory);
        var delivered = new ConcurrentBag<string>();
        var second = Bus(reopened, m => { delivered.Add(m.EventId); return Task.CompletedTask; });
        await second.StartAsync(CancellationToken.None);
        await second.DrainAsync(TimeSpan.FromSeconds(30));
        await second.StopAsync(CancellationToken.None);

        Assert.Equal(20, delivered.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"evt_{i}").Order(), delivered.Order());
        Assert.Empty(await reopened.For(TenantId.Platform).ListAsync<QueuedMessage>());
        reopened.Dispose();
    }

    [Fact]
    public async Task AHandlerThatKeepsFailing_IsRetriedWithBackoff_ThenDeadLetteredWithTheReason()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var store = new FileDocumentStore(directory);
        var attempts = 0;
        var bus = Bus(store, _ => { Interlocked.Increment(ref attempts); throw new InvalidOperationException("agent service down"); }, time);
        await bus.StartAsync(CancellationToken.None);
        await bus.PublishAsync(Message(1));

        for (var i = 0; i < 200 && Volatile.Read(ref attempts) < LocalEventBus.MaxAttempts; i++)
        {
            await Task.Delay(10);
            time.Advance(TimeSpan.FromSeconds(30));
        }
        await bus.DrainAsync(TimeSpan.FromSeconds(10));
        await bus.StopAsync(CancellationToken.None);

        Assert.Equal(LocalEventBus.MaxAttempts, attempts);
        var dead = Assert.Single(await store.For(TenantId.Platform).ListAsync<QueuedMessage>());
        Assert.True(dead.Value.DeadLettered);
        Assert.Equal(LocalEventBus.MaxAttempts, dead.Value.Attempts);
        Assert.Contains("agent service down", dead.Value.LastError);
        store.Dispose();
    }

    [Fact]
    public async Task NotificationsBeyondTheHold_WaitForTheRefill_AndEachIsDeliveredOnce()
    {
        var store = new FileDocumentStore(directory);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new ConcurrentDictionary<string, int>();
        var bus = new LocalEventBus(store, [new BusSubscription<TriggerEventReceived>(async (m, _) =>
        {
            started.AddOrUpdate(m.EventId, 1, (_, n) => n + 1);
            await release.Task;
        })], TimeProvider.System, NullLogger<LocalEventBus>.Instance, new LocalEventBusOptions { MaxHeldNotifications = 10 });
        // The outbox stands in for the trigger events' records: everything sent that no consumer has started yet.
        var all = Enumerable.Range(0, 50).Select(Message).ToList();
        var refills = 0;
        bus.OnOverflowDrained(async ct =>
        {
            Interlocked.Increment(ref refills);
            foreach (var m in all.Where(m => !started.ContainsKey(m.EventId))) await bus.NotifyAsync(m, ct);
        });
        await bus.StartAsync(CancellationToken.None);

        foreach (var m in all) await bus.NotifyAsync(m);
        // The consumers hold at most four; the hold has the rest of its ten, and the other forty wait in the outbox.
        Assert.Equal(10, bus.HeldCount);
        release.SetResult();
        await bus.DrainAsync(TimeSpan.FromSeconds(30));
        await bus.StopAsync(CancellationToken.None);

        Assert.Equal(all.Select(m => m.EventId).Order(), started.Keys.Order());
        Assert.All(started, s => Assert.Equal(1, s.Value));
        Assert.True(refills >= 4, $"{refills} refills for 40 events with room for 5 to 10 at a time");
        Assert.Equal(0, bus.HeldCount);
        store.Dispose();
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
