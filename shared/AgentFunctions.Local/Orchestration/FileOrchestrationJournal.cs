using Microsoft.Win32.SafeHandles;

namespace AgentFunctions.Local.Orchestration;

/// <summary>
/// An append-only journal file with group commit: each append is written to the file at once, and one background
/// flusher fsyncs whatever has been appended since its last flush, so concurrent runs share fsyncs and an orchestration
/// waits for one only before a side effect. A torn tail (kill -9 mid-write) fails its CRC and is cut off on open.
/// </summary>
internal sealed class FileOrchestrationJournal : IOrchestrationJournal
{
    public const string FileName = "journal.log";

    private readonly string path;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim dirty = new(0, 1);
    private readonly Task flusher;
    private SafeFileHandle handle;
    private long offset;
    private long appended;
    private long durable;
    private bool disposed;
    private Exception? failure;
    private TaskCompletionSource flushed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FileOrchestrationJournal(string directory)
    {
        Directory.CreateDirectory(directory);
        path = Path.Combine(directory, FileName);
        handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        flusher = Task.Factory.StartNew(FlushLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public long Length
    {
        get { lock (gate) return offset; }
    }

    public IReadOnlyList<JournalRecord> ReadAll()
    {
        lock (gate)
        {
            var length = RandomAccess.GetLength(handle);
            var buffer = new byte[length];
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(read), read);
                if (n == 0) break;
                read += n;
            }
            var records = new List<JournalRecord>();
            var position = 0;
            while (JournalRecord.TryDecode(buffer.AsSpan(position, read - position), out var record, out var consumed))
            {
                records.Add(record!);
                position += consumed;
            }
            if (position < length)
            {
                // The tail was never acknowledged (torn write or corruption): cut it so appends follow valid records.
                RandomAccess.SetLength(handle, position);
                RandomAccess.FlushToDisk(handle);
            }
            offset = position;
            return records;
        }
    }

    public long Append(JournalRecord record) => Append(record, record.Encode());

    public long Append(JournalRecord record, byte[] bytes)
    {
        long sequence;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (failure is not null) throw new IOException("The orchestration journal failed earlier and refuses writes.", failure);
            try
            {
                RandomAccess.Write(handle, bytes, offset);
            }
            catch (Exception ex)
            {
                failure = ex;
                throw;
            }
            offset += bytes.Length;
            sequence = ++appended;
        }
        if (dirty.CurrentCount == 0)
        {
            try
            {
                dirty.Release();
            }
            catch (SemaphoreFullException)
            {
                // The flusher is already signalled.
            }
        }
        return sequence;
    }

    public async ValueTask WaitDurableAsync(long sequence)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (failure is not null) throw new IOException("The orchestration journal failed to flush.", failure);
                if (durable >= sequence) return;
                ObjectDisposedException.ThrowIf(disposed, this);
                wait = flushed.Task;
            }
            await wait.ConfigureAwait(false);
        }
    }

    public void Rewrite(IReadOnlyList<JournalRecord> records)
    {
        lock (gate)
        {
            var temporary = path + ".compact";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (var record in records) stream.Write(record.Encode());
                stream.Flush(flushToDisk: true);
            }
            handle.Dispose();
            File.Move(temporary, path, overwrite: true);
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            offset = RandomAccess.GetLength(handle);
            durable = appended;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
        }
        try
        {
            dirty.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
        flusher.Wait(TimeSpan.FromSeconds(5));
        lock (gate)
        {
            handle.Dispose();
            flushed.TrySetException(new ObjectDisposedException(nameof(FileOrchestrationJournal)));
        }
    }

    private async Task FlushLoop()
    {
        while (true)
        {
            await dirty.WaitAsync().ConfigureAwait(false);
            long target;
            SafeFileHandle current;
            bool stop;
            lock (gate)
            {
                target = appended;
                current = handle;
                stop = disposed;
            }
            if (target > Volatile.Read(ref durable))
            {
                Exception? error = null;
                try
                {
                    RandomAccess.FlushToDisk(current);
                }
                catch (ObjectDisposedException)
                {
                    // A compaction swapped the file; it flushed everything itself.
                }
                catch (Exception ex)
                {
                    error = ex;
                }
                TaskCompletionSource done;
                lock (gate)
                {
                    if (error is not null) failure = error;
                    else if (target > durable) durable = target;
                    done = flushed;
                    flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                done.TrySetResult();
            }
            if (stop) return;
        }
    }
}
