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
    public async Task NotificationsBeyondTheHold_WaitForTheRefill_AndNoneIsLost()
    {
        var store = new FileDocumentStore(directory);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The outbox stands in for the trigger events' records: queued until a consumer takes them, as the dispatcher
        // does (a message delivered twice finds its event taken and does nothing).
        var all = Enumerable.Range(0, 50).Select(Message).ToList();
        var queued = new ConcurrentDictionary<string, TriggerEventReceived>(all.ToDictionary(m => m.EventId));
        var taken = new ConcurrentBag<string>();
        var peakHeld = 0;
        LocalEventBus? bus = null;
        bus = new LocalEventBus(store, [new BusSubscription<TriggerEventReceived>(async (m, cancellation) =>
        {
            InterlockedMax(ref peakHeld, bus!.HeldCount);
            await release.Task;
            if (queued.TryRemove(m.EventId, out _)) taken.Add(m.EventId);
        })], TimeProvider.System, NullLogger<LocalEventBus>.Instance, new LocalEventBusOptions { MaxHeldNotifications = 10 });
        var refills = 0;
        bus.OnOverflowDrained(async (hasRoom, ct) =>
        {
            Interlocked.Increment(ref refills);
            foreach (var m in queued.Values.OrderBy(m => m.EventId, StringComparer.Ordinal))
            {
                if (!hasRoom()) return false;
                await bus.NotifyAsync(m, ct);
            }
            return true;
        });
        await bus.StartAsync(CancellationToken.None);

        foreach (var m in all) await bus.NotifyAsync(m);
        // Ten held (four of them already with a consumer); the other forty were not held and wait in the outbox.
        Assert.Equal(10, bus.HeldCount);
        Assert.Equal(40, bus.NotHeldCount);
        release.SetResult();
        await bus.DrainAsync(TimeSpan.FromSeconds(30));
        await bus.StopAsync(CancellationToken.None);

        Assert.Empty(queued);
        Assert.Equal(all.Select(m => m.EventId).Order(), taken.Order());
        Assert.True(refills >= 1);
        Assert.True(peakHeld <= 10, $"{peakHeld} held at once, with room for 10");
        Assert.Equal(0, bus.HeldCount);
        store.Dispose();
    }

    [Fact]
    public async Task ARefillThatFails_IsTriedAgainAfterAPause_AndThenDeliversTheRest()
    {
        var store = new FileDocumentStore(directory);
        var queued = new ConcurrentDictionary<string, TriggerEventReceived>(Enumerable.Range(0, 12).Select(Message).ToDictionary(m => m.EventId));
        var bus = new LocalEventBus(store, [new BusSubscription<TriggerEventReceived>((m, _) =>
        {
            queued.TryRemove(m.EventId, out var _);
            return Task.CompletedTask;
        })], TimeProvider.System, NullLogger<LocalEventBus>.Instance, new LocalEventBusOptions { MaxHeldNotifications = 4, Consumers = 1 });
        var attempts = 0;
        bus.OnOverflowDrained(async (hasRoom, ct) =>
        {
            if (Interlocked.Increment(ref attempts) == 1) throw new IOException("store unavailable");
            foreach (var m in queued.Values.OrderBy(m => m.EventId, StringComparer.Ordinal))
            {
                if (!hasRoom()) return false;
                await bus.NotifyAsync(m, ct);
            }
            return true;
        });
        foreach (var m in queued.Values.ToList()) await bus.NotifyAsync(m);
        await bus.StartAsync(CancellationToken.None);

        await bus.DrainAsync(TimeSpan.FromSeconds(30));
        await bus.StopAsync(CancellationToken.None);

        Assert.Empty(queued);
        Assert.True(attempts >= 2, $"{attempts} refill attempts");
        store.Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
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
