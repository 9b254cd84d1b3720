using System.Diagnostics;
using AgentFunctions.Observability;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Triggers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Local.Events;

/// <summary>
/// The local event bus: a durable queue in the file store, consumed in the background. At least once (a message is
/// removed only after its handler returned), deduplicated by message id while queued, resumed at start after a crash,
/// retried with backoff, dead-lettered with the reason after <see cref="MaxAttempts"/> failures. Outbox-backed messages
/// (<see cref="NotifyAsync"/>) are held in memory up to <see cref="LocalEventBusOptions.MaxHeldNotifications"/>; past that
/// their durable record waits for a refill (<see cref="OnOverflowDrained"/>), so a flood of webhooks behind a busy or paused
/// dispatcher costs bounded memory instead of a heap that grows with every delivery.
/// </summary>
public sealed class LocalEventBus(
    IDocumentStore store,
    IEnumerable<IBusSubscription> subscriptions,
    TimeProvider time,
    ILogger<LocalEventBus> logger,
    LocalEventBusOptions? options = null) : IEventBus, IHostedService, IAsyncDisposable
{
    public const int MaxAttempts = 5;
    private readonly int consumers = (options ??= new LocalEventBusOptions()).Consumers;
    private readonly int maxHeld = Math.Max(1, options.MaxHeldNotifications);

    private readonly Channel<string> ready = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> inFlight = new();

    // Outbox-backed messages (NotifyAsync): held in memory until handled; their durable copy is the sender's record.
    private readonly ConcurrentDictionary<string, QueuedMessage> notified = new(StringComparer.Ordinal);
    // Counted here: ConcurrentDictionary.Count takes every lock of the dictionary.
    private int heldCount;
    // Set when a notification was not held (the hold was full); cleared when a refill is started.
    private int overflowed;
    private int refilling;
    private long notHeld;
    private Func<Func<bool>, CancellationToken, Task<bool>>? refill;
    private volatile Task refillTask = Task.CompletedTask;
    private readonly Dictionary<string, IBusSubscription> handlers = subscriptions.ToDictionary(s => s.Topic, StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private Task[] workers = [];
    private int stopped;

    private ITenantDocuments Queue => store.For(TenantId.Platform);

    /// <summary>Started, not stopping, and every consumer still running (the readiness check reads it).</summary>
    public bool IsConsuming => Volatile.Read(ref stopped) == 0 && workers.Length > 0 && workers.All(w => !w.IsCompleted);

    public async Task PublishAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage
    {
        var id = T.Topic + ":" + message.MessageId;
        using var span = PlatformTelemetry.StartPublish(T.Topic, message.MessageId);
        var queued = new QueuedMessage(id, TenantId.Platform, T.Topic, message.MessageId, JsonSerializer.SerializeToElement(message, PlatformJson.Stored),
            time.GetUtcNow(), 0, false, null, PlatformTelemetry.Capture());
        try
        {
            await Queue.CreateAsync(queued, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            return; // the same message is waiting already
        }
        ready.Writer.TryWrite(id);
    }

    public Task NotifyAsync<T>(T message, CancellationToken cancellationToken = default)
        where T : IBusMessage
    {
        var id = T.Topic + ":" + message.MessageId;
        using var span = PlatformTelemetry.StartPublish(T.Topic, message.MessageId);
        if (Volatile.Read(ref heldCount) >= maxHeld && !notified.ContainsKey(id))
        {
            // Its record stays queued: the refill, or the clock's sweep, puts it on the bus later.
            Interlocked.Increment(ref notHeld);
            if (Interlocked.Exchange(ref overflowed, 1) == 0)
            {
                logger.LogWarning("The event bus holds {MaxHeld} notifications in memory; later events wait in their records until the dispatcher catches up", maxHeld);
            }
            // Everything held may have been delivered between the check above and the flag: nothing else would look.
            RefillIfDrained();
            return Task.CompletedTask;
        }
        var held = new QueuedMessage(id, TenantId.Platform, T.Topic, message.MessageId, JsonSerializer.SerializeToElement(message, PlatformJson.Stored),
            time.GetUtcNow(), 0, false, null, PlatformTelemetry.Capture());
        if (notified.TryAdd(id, held))
        {
            Interlocked.Increment(ref heldCount);
            ready.Writer.TryWrite(id);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Registers what re-publishes the outbox (the trigger events still queued) once notifications overflowed the hold and
    /// the hold has drained to half: the local host wires the trigger sweep here. It is given whether the hold still has
    /// room, and returns false when it stopped for want of it (another refill then follows the next drain).
    /// </summary>
    public void OnOverflowDrained(Func<Func<bool>, CancellationToken, Task<bool>> refillOutbox) => refill = refillOutbox;

    /// <summary>Messages held in memory for delivery.</summary>
    public int HeldCount => Volatile.Read(ref heldCount);

    /// <summary>Notifications not held because the hold was full (they waited in their records for a refill).</summary>
    public long NotHeldCount => Interlocked.Read(ref notHeld);

    private bool HasRoom() => Volatile.Read(ref heldCount) < maxHeld;

    private void Released()
    {
        Interlocked.Decrement(ref heldCount);
        RefillIfDrained();
    }

    private void RefillIfDrained()
    {
        if (refill is not { } start || stopping.IsCancellationRequested) return;
        if (Volatile.Read(ref overflowed) == 0 || Volatile.Read(ref heldCount) > maxHeld / 2) return;
        if (Interlocked.CompareExchange(ref refilling, 1, 0) != 0) return;
        Interlocked.Exchange(ref overflowed, 0);
        refillTask = Task.Run(async () =>
        {
            var failed = false;
            try
            {
                if (!await start(HasRoom, stopping.Token).ConfigureAwait(false)) Interlocked.Exchange(ref overflowed, 1);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                failed = true;
                Interlocked.Exchange(ref overflowed, 1);
                logger.LogError(ex, "Re-publishing the queued events after an overflow failed; trying again in a few seconds");
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                Volatile.Write(ref refilling, 0);
            }
            if (failed)
            {
                // A scheduling pause on the real clock, not domain time (a test's manual clock would hold it forever).
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            // Overflowed again while refilling, and everything held may already be delivered: nothing else would look.
            RefillIfDrained();
        });
    }

    /// <summary>Waits until nothing is queued or in flight (dead letters aside); for tests and orderly shutdown.</summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var pending = await Queue.ListAsync<QueuedMessage>(cancellationToken, new FieldEquals("dead_lettered", "false")).ConfigureAwait(false);
            // An overflow with a refill registered is not drained until the refill has put the rest on the bus.
            var refillDue = refill is not null && (Volatile.Read(ref overflowed) == 1 || Volatile.Read(ref refilling) == 1);
            if (pending.Count == 0 && inFlight.IsEmpty && notified.IsEmpty && !refillDue) return;
            if (time.GetUtcNow() > deadline) throw new TimeoutException($"{pending.Count} messages still queued.");
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        PlatformTelemetry.ObserveQueueDepth(() => [new(ready.Reader.Count + inFlight.Count)]);
        // What a crash left behind goes first.
        foreach (var waiting in await Queue.ListAsync<QueuedMessage>(cancellationToken, new FieldEquals("dead_lettered", "false")).ConfigureAwait(false))
        {
            ready.Writer.TryWrite(waiting.Value.Id);
        }
        workers = Enumerable.Range(0, consumers).Select(_ => Task.Run(() => ConsumeAsync(stopping.Token))).ToArray();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Idempotent: the host stops it, and the container disposes it once per registration that hands it out.
        if (Interlocked.Exchange(ref stopped, 1) == 1) return;
        ready.Writer.TryComplete();
        stopping.Cancel();
        await Task.WhenAll(workers).WaitAsync(cancellationToken).ConfigureAwait(false);
        // A refill in progress stops at its next store call; it is awaited so it does not outlive the store.
        await refillTask.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    // The token source is not disposed: it has no timer, and a late retry may still look at its token.
    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    private async Task ConsumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var id in ready.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!inFlight.TryAdd(id, 0))
                {
                    // Published again while its previous delivery is still finishing (a sweep or a refill found it still
                    // queued): looked at again shortly, so it is neither lost nor left held.
                    // A scheduling pause, not domain time: on the real clock, so a test's manual clock cannot hold it back.
                    _ = RetryLaterAsync(id, TimeSpan.FromMilliseconds(20), cancellationToken, TimeProvider.System);
                    continue;
                }
                try
                {
                    await DeliverAsync(id, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The queue itself failed (a store error while recording an attempt): the worker keeps going, and
                    // the message is tried again later.
                    logger.LogError(ex, "Delivering {QueuedId} failed outside its handler; retrying later", id);
                    _ = RetryLaterAsync(id, TimeSpan.FromSeconds(5), cancellationToken);
                }
                finally
                {
                    inFlight.TryRemove(id, out _);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(string id, CancellationToken cancellationToken)
    {
        if (notified.TryGetValue(id, out var held))
        {
            await DeliverHeldAsync(id, held, cancellationToken).ConfigureAwait(false);
            return;
        }
        var queued = await Queue.GetAsync<QueuedMessage>(id, cancellationToken).ConfigureAwait(false);
        if (queued is null || queued.Value.DeadLettered) return;
        var message = queued.Value;
        try
        {
            await HandleAsync(message, cancellationToken).ConfigureAwait(false);
            await Queue.DeleteAsync<QueuedMessage>(id, queued.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempts = message.Attempts + 1;
            var dead = attempts >= MaxAttempts;
            await Queue.ReplaceAsync(message with { Attempts = attempts, DeadLettered = dead, LastError = Reason(ex) }, queued.ETag, cancellationToken).ConfigureAwait(false);
            AfterFailure(id, message, attempts, dead, ex, cancellationToken);
        }
    }

    private async Task DeliverHeldAsync(string id, QueuedMessage held, CancellationToken cancellationToken)
    {
        try
        {
            await HandleAsync(held, cancellationToken).ConfigureAwait(false);
            if (notified.TryRemove(id, out _)) Released();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempts = held.Attempts + 1;
            var dead = attempts >= MaxAttempts;
            if (dead)
            {
                // The dead letter is written down, so it is seen and not swept up again as if it were merely lost.
                if (notified.TryRemove(id, out _)) Released();
                var letter = held with { Attempts = attempts, DeadLettered = true, LastError = Reason(ex) };
                try
                {
                    await Queue.UpsertAsync(letter, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception writeFailure) when (writeFailure is not OperationCanceledException)
                {
                    logger.LogError(writeFailure, "Dead letter {MessageId} on {Topic} could not be written", held.MessageId, held.Topic);
                }
            }
            else
            {
                notified[id] = held with { Attempts = attempts, LastError = Reason(ex) };
            }
            AfterFailure(id, held, attempts, dead, ex, cancellationToken);
        }
    }

    private async Task HandleAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        if (!handlers.TryGetValue(message.Topic, out var handler)) throw new InvalidOperationException($"No consumer for topic '{message.Topic}'.");
        // A consumer task has no ambient trace: the span joins the publisher's trace from the message.
        Activity.Current = null;
        using var span = PlatformTelemetry.StartProcess(message.Topic, message.MessageId, message.Trace, message.EnqueuedAt, time.GetUtcNow());
        try
        {
            await handler.HandleAsync(JsonSerializer.SerializeToUtf8Bytes(message.Body), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            PlatformTelemetry.Failed(span, ex);
            throw;
        }
    }

    private static string Reason(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    private void AfterFailure(string id, QueuedMessage message, int attempts, bool dead, Exception ex, CancellationToken cancellationToken)
    {
        if (dead)
        {
            logger.LogError(ex, "Message {MessageId} on {Topic} dead-lettered after {Attempts} attempts", message.MessageId, message.Topic, attempts);
            return;
        }
        logger.LogWarning(ex, "Message {MessageId} on {Topic} failed (attempt {Attempts}); retrying", message.MessageId, message.Topic, attempts);
        _ = RetryLaterAsync(id, TimeSpan.FromMilliseconds(100 * Math.Pow(4, attempts - 1)), cancellationToken);
    }

    private async Task RetryLaterAsync(string id, TimeSpan delay, CancellationToken cancellationToken, TimeProvider? clock = null)
    {
        try
        {
            await Task.Delay(delay, clock ?? time, cancellationToken).ConfigureAwait(false);
            ready.Writer.TryWrite(id);
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>Section <c>AgentFunctions:Triggers:Bus</c>. <see cref="Consumers"/> 0 queues without consuming (a load run measuring intake alone).</summary>
public sealed class LocalEventBusOptions
{
    public int Consumers { get; set; } = 4;

    /// <summary>
    /// The most outbox-backed notifications (trigger events) held in memory for delivery; beyond it an event waits in its
    /// durable record, queued, and is re-published when the hold has drained (or by the clock's sweep).
    /// </summary>
    public int MaxHeldNotifications { get; set; } = 10_000;
}
