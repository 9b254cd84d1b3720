using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Support;

/// <summary>
/// Every log line written by any <see cref="PlatformFactory"/> host in this test process: the rendered message, every
/// structured value, the scopes and the exception text. Process-wide on purpose, so the secret-leak test can scan what
/// all other tests logged too.
/// </summary>
public static class CapturedLogs
{
    private static readonly ConcurrentQueue<string> Lines = new();

    public static void Add(string line) => Lines.Enqueue(line);

    public static IReadOnlyList<string> Snapshot() => Lines.ToArray();

    public static int Count => Lines.Count;
}

/// <summary>The provider <see cref="PlatformFactory"/> adds to every host; captures all levels, Trace included.</summary>
public sealed class SuiteLogProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new SuiteLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class SuiteLogger(string category, SuiteLogProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = new StringBuilder();
            line.Append(logLevel).Append(' ').Append(category).Append(": ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values) line.Append(" |").Append(key).Append('=').Append(value);
            }
            provider.scopes.ForEachScope((scope, builder) => builder.Append(" |scope=").Append(scope), line);
            if (exception is not null) line.Append(" |exception=").Append(exception);
            CapturedLogs.Add(line.ToString());
        }
    }
}
