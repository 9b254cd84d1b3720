using AgentFunctions.Engine.Orchestration;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// The local runner's <see cref="IOrchestrationContext"/>. Each operation takes the next position in the call sequence
/// when the orchestration asks for it (as Durable numbers its tasks when they are scheduled): if history holds that
/// position, the recorded outcome is returned (after checking the orchestration asked for the same thing), otherwise
/// the operation runs live and its outcome is journaled before the orchestration sees it. Several operations may be
/// outstanding at once (fan-out): each is journaled at its own position whenever it finishes, and a replay hands back
/// each recorded one.
/// <para>
/// Live activities are dispatched as Durable dispatches them: once the orchestration yields (awaits), not while it is
/// still scheduling. What it scheduled before yielding is known then: a single activity runs on the orchestration's own
/// thread (no thread-pool hop; a model call or a lone tool call is awaited at once anyway), several (a fan-out) each go
/// to the thread pool, so they overlap even when one blocks before its first await. The orchestration code that the
/// completion resumes runs on the same thread, inside the same <see cref="Dispatch"/> loop, so a run of synchronous
/// activities goes step by step without growing the stack; an operation that finishes later (an approval, a child run,
/// an activity that awaited) resumes the orchestration inside a dispatch of its own. Code resumed outside any dispatch
/// (a continuation the runtime moved to another thread) starts its activities on the thread pool at once.
/// </para>
/// </summary>
internal sealed class LocalOrchestrationContext(LocalOrchestrationRunner runner, OrchestrationInstance instance) : IOrchestrationContext
{
    // Guards the clock and the scheduled activities (read by the dispatching thread, written by the orchestration's).
    private readonly Lock clock = new();
    private List<Action<bool>> scheduled = new(1);
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
        if (Dispatch.Current is not { } dispatch)
        {
            return Forwarded(LiveActivityAsync<TResult>(at, name, operation, input, hash, inline: false));
        }
        // Started once the orchestration yields (see the class summary). Continuations run synchronously: the
        // orchestration resumes on the thread that completes the activity, inside its dispatch.
        var completion = new TaskCompletionSource<TResult>();
        bool first;
        lock (clock)
        {
            scheduled.Add(inline => Forward(LiveActivityAsync<TResult>(at, name, operation, input, hash, inline), completion));
            first = scheduled.Count == 1;
        }
        if (first) dispatch.Ready(this);
        return completion.Task;
    }

    /// <summary>Runs the orchestration's code in <paramref name="body"/> and then dispatches what it scheduled (see the class summary).</summary>
    internal static void RunDispatched(Action body) => Dispatch.Run(body);

    /// <summary>Starts the activities the orchestration scheduled before it yielded: one on this thread, several on the thread pool.</summary>
    private void StartScheduled()
    {
        List<Action<bool>> starts;
        lock (clock)
        {
            starts = scheduled;
            if (starts.Count == 0) return;
            scheduled = new List<Action<bool>>(1);
        }
        var inline = starts.Count == 1;
        foreach (var start in starts) start(inline);
    }

    /// <summary>An operation that finishes later resumes the orchestration inside a dispatch, so what it schedules next is dispatched too.</summary>
    private static Task<TResult> Forwarded<TResult>(Task<TResult> task)
    {
        if (task.IsCompleted) return task;
        var completion = new TaskCompletionSource<TResult>();
        Forward(task, completion);
        return completion.Task;
    }

    private static void Forward<TResult>(Task<TResult> task, TaskCompletionSource<TResult> completion)
    {
        if (task.IsCompleted)
        {
            Dispatch.Run(() => Complete(task, completion));
        }
        else
        {
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(() => Dispatch.Run(() => Complete(task, completion)));
        }
    }

    private static void Complete<TResult>(Task<TResult> task, TaskCompletionSource<TResult> completion)
    {
        if (task.IsCompletedSuccessfully) completion.SetResult(task.Result);
        else if (task.IsCanceled) completion.SetCanceled();
        else completion.SetException(task.Exception!.InnerExceptions);
    }

    /// <summary>
    /// The thread's dispatch loop: orchestration code runs inside it, activities it schedules are queued here and started
    /// after the code yields, one context at a time. Nested runs (a completion inside the loop) only add to the queue.
    /// </summary>
    private sealed class Dispatch
    {
        [ThreadStatic]
        private static Dispatch? current;

        [ThreadStatic]
        private static Dispatch? spare;

        private readonly Queue<LocalOrchestrationContext> ready = new();

        public static Dispatch? Current => current;

        public void Ready(LocalOrchestrationContext context) => ready.Enqueue(context);

        public static void Run(Action body)
        {
            if (current is not null)
            {
                body();
                return;
            }
            var dispatch = current = spare ??= new Dispatch();
            try
            {
                body();
                while (dispatch.ready.TryDequeue(out var context)) context.StartScheduled();
            }
            finally
            {
                dispatch.ready.Clear();
                current = null;
            }
        }
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
        return Forwarded(LiveSubOrchestrationAsync<TResult>(at, name, operation, instanceId, input, hash));
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
        return Forwarded(LiveWaitAsync<T>(at, name, operation, timeout, hash));
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

    /// <param name="inline">Run the activity on this thread (it is the only one the orchestration waits for) rather than on the thread pool.</param>
    private async Task<TResult> LiveActivityAsync<TResult>(int at, string name, string operation, object? input, uint hash, bool inline)
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
            // A fan-out's calls go off the orchestration's thread, so they overlap even when one blocks before its first await.
            result = inline
                ? await activity.Run(input, runner.Stopping).ConfigureAwait(false)
                : await Task.Run(() => activity.Run(input, runner.Stopping)).ConfigureAwait(false);
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
