using AgentFunctions.Engine.Orchestration;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// The local runner's <see cref="IOrchestrationContext"/>. Each operation takes the next position in the call sequence
/// when the orchestration asks for it (as Durable numbers its tasks when they are scheduled): if history holds that
/// position, the recorded outcome is returned (after checking the orchestration asked for the same thing), otherwise
/// the operation runs live and its outcome is journaled before the orchestration sees it. Several operations may be
/// outstanding at once (fan-out): live activities run on the thread pool, as Durable runs them apart from the
/// orchestrator, each journaled at its own position whenever it finishes, and a replay hands back each recorded one.
/// </summary>
internal sealed class LocalOrchestrationContext(LocalOrchestrationRunner runner, OrchestrationInstance instance) : IOrchestrationContext
{
    private readonly Lock clock = new();
    private int position;
    private DateTimeOffset currentUtcDateTime = instance.StartedAt;

    public string InstanceId => instance.Id;

    /// <summary>
    /// The latest recorded completion time so far. Never moves back, so after a fan-in it is the time of the last
    /// completion, whichever order the completions were recorded or replayed in.
    /// </summary>
    public DateTimeOffset CurrentUtcDateTime
    {
        get { lock (clock) return currentUtcDateTime; }
        private set
        {
            lock (clock)
            {
                if (value > currentUtcDateTime) currentUtcDateTime = value;
            }
        }
    }

    public bool IsReplaying => instance.Operations.ContainsKey(position);

    public Task<TResult> CallActivityAsync<TResult>(string name, object? input)
    {
        var at = Begin();
        var operation = "activity:" + name;
        var hash = runner.Hash(input);
        if (instance.Operations.TryGetValue(at, out var recorded))
        {
            return Task.FromResult(Replay<TResult>(at, recorded, operation, hash, name));
        }
        return LiveActivityAsync<TResult>(at, name, operation, input, hash);
    }

    public Task<TResult> CallSubOrchestrationAsync<TResult>(string name, string instanceId, object? input)
    {
        var at = Begin();
        var operation = $"orchestration:{name}:{instanceId}";
        var hash = runner.Hash(input);
        if (instance.Operations.TryGetValue(at, out var recorded))
        {
            return Task.FromResult(Replay<TResult>(at, recorded, operation, hash, name));
        }
        return LiveSubOrchestrationAsync<TResult>(at, name, operation, instanceId, input, hash);
    }

    public Task<ExternalEventResult<T>> WaitForExternalEventAsync<T>(string name, TimeSpan timeout)
    {
        var at = Begin();
        var operation = "event:" + name;
        var hash = (uint)(timeout.Ticks ^ (timeout.Ticks >> 32));
        if (instance.Operations.TryGetValue(at, out var recorded))
        {
            var result = Replay<ExternalEventResult<T>>(at, recorded, operation, hash, name);
            if (result.Received)
            {
                // Live, this wait consumed the oldest unconsumed event of its name; replay consumes the same one.
                lock (instance.Gate) instance.TryConsume(name, out _);
            }
            return Task.FromResult(result);
        }
        return LiveWaitAsync<T>(at, name, operation, timeout, hash);
    }

    public void SetCustomStatus(object? status)
    {
        lock (instance.Gate)
        {
            instance.CustomStatus = status;
            instance.Version++;
        }
        if (!IsReplaying) instance.Signal();
    }

    /// <summary>Called when the orchestration returned: history it did not ask for means the code changed its path.</summary>
    public void EnsureHistoryConsumed()
    {
        if (instance.Operations.TryGetValue(position, out var extra))
        {
            throw new NonDeterministicOrchestrationException(instance.Id, position, extra.Name, "the end of the orchestration");
        }
    }

    private int Begin()
    {
        runner.ThrowIfStopped(instance);
        if (instance.TerminateReason is { } reason && !instance.Operations.ContainsKey(position))
        {
            throw new OrchestrationTerminatedException(instance.Id, reason);
        }
        return position++;
    }

    private T Replay<T>(int at, JournalRecord recorded, string operation, uint hash, string name)
    {
        if (recorded.Name != operation || recorded.InputHash != hash)
        {
            var actual = recorded.Name == operation ? operation + " with different input" : operation;
            throw new NonDeterministicOrchestrationException(instance.Id, at, recorded.Name, actual);
        }
        CurrentUtcDateTime = recorded.Timestamp;
        if (recorded.Type == JournalRecordType.OperationFailed)
        {
            throw new ActivityFailedException(name, recorded.Payload ?? "failed");
        }
        return runner.Deserialize<T>(recorded.Payload);
    }

    private async Task<TResult> LiveActivityAsync<TResult>(int at, string name, string operation, object? input, uint hash)
    {
        var activity = runner.Registry.Activity(name);
        if (activity.Effect == ActivityEffect.SideEffect)
        {
            // The start and every earlier side effect are on disk before this one happens.
            await runner.WaitSideEffectsDurableAsync(instance).ConfigureAwait(false);
        }
        runner.ThrowIfStopped(instance);

        object? result = null;
        string? failure = null;
        try
        {
            // Off the orchestration's thread, so the calls of a fan-out overlap even when one blocks before its first await.
            result = await Task.Run(() => activity.Run(input, runner.Stopping)).ConfigureAwait(false);
        }
        catch (Exception) when (runner.Stopping.IsCancellationRequested)
        {
            throw new InstanceAbandonedException(instance.Id);
        }
        catch (Exception ex)
        {
            failure = ex.Message;
        }

        var now = runner.Time.GetUtcNow();
        var record = failure is null
            ? new JournalRecord(JournalRecordType.OperationCompleted, instance.Id, at, operation, hash, now.UtcTicks, runner.Serialize(result, activity.OutputType))
            : new JournalRecord(JournalRecordType.OperationFailed, instance.Id, at, operation, hash, now.UtcTicks, failure);
        runner.Record(instance, record, sideEffect: activity.Effect == ActivityEffect.SideEffect);
        CurrentUtcDateTime = now;
        if (failure is not null) throw new ActivityFailedException(name, failure);
        return (TResult)result!;
    }

    private async Task<TResult> LiveSubOrchestrationAsync<TResult>(int at, string name, string operation, string childId, object? input, uint hash)
    {
        var child = runner.StartChild(instance, name, childId, input);
        await Task.WhenAny(child.Done.Task, runner.StoppedTask).ConfigureAwait(false);
        runner.ThrowIfStopped(instance);

        var now = runner.Time.GetUtcNow();
        var completed = child.Status == OrchestrationRuntimeStatus.Completed;
        var failure = completed ? null : child.Failure ?? $"child orchestration ended as {child.Status}";
        var record = completed
            ? new JournalRecord(JournalRecordType.OperationCompleted, instance.Id, at, operation, hash, now.UtcTicks, child.OutputJson)
            : new JournalRecord(JournalRecordType.OperationFailed, instance.Id, at, operation, hash, now.UtcTicks, failure);
        runner.Record(instance, record);
        CurrentUtcDateTime = now;
        if (failure is not null) throw new ActivityFailedException(name, failure);
        return child.Output is TResult typed ? typed : runner.Deserialize<TResult>(child.OutputJson);
    }

    private async Task<ExternalEventResult<T>> LiveWaitAsync<T>(int at, string name, string operation, TimeSpan timeout, uint hash)
    {
        if (!instance.Timers.TryGetValue(at, out var deadline))
        {
            // From the replay-safe clock, as a Durable timer would be: the wait starts when the orchestration asked for it.
            deadline = CurrentUtcDateTime + timeout;
            runner.Record(instance, new JournalRecord(JournalRecordType.TimerScheduled, instance.Id, at, operation, hash, deadline.UtcTicks, null),
                () => instance.Timers[at] = deadline);
        }

        ExternalEventResult<T> result;
        while (true)
        {
            Task changed;
            string? payload;
            bool received;
            lock (instance.Gate)
            {
                received = instance.TryConsume(name, out payload);
                changed = instance.ChangedTask;
            }
            if (received)
            {
                result = new ExternalEventResult<T>(true, runner.Deserialize<T>(payload));
                break;
            }
            runner.ThrowIfStopped(instance);
            if (instance.TerminateReason is { } reason)
            {
                throw new OrchestrationTerminatedException(instance.Id, reason);
            }
            var remaining = deadline - runner.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                result = ExternalEventResult<T>.TimedOut;
                break;
            }
            using var cancel = new CancellationTokenSource();
            var timer = Task.Delay(remaining, runner.Time, cancel.Token);
            await Task.WhenAny(changed, timer, runner.StoppedTask).ConfigureAwait(false);
            await cancel.CancelAsync().ConfigureAwait(false);
        }

        var now = runner.Time.GetUtcNow();
        runner.Record(instance, new JournalRecord(JournalRecordType.OperationCompleted, instance.Id, at, operation, hash, now.UtcTicks,
            runner.Serialize(result, typeof(ExternalEventResult<T>))));
        CurrentUtcDateTime = now;
        return result;
    }
}
