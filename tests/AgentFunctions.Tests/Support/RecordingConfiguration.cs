using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace AgentFunctions.Tests.Support;

/// <summary>
/// In-memory configuration that remembers every key the code asked for (present or not): what a composition
/// actually reads, measured rather than listed by hand.
/// </summary>
internal sealed class RecordingConfigurationSource(IEnumerable<KeyValuePair<string, string?>> values) : IConfigurationSource
{
    public ConcurrentDictionary<string, byte> KeysRead { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(this, values);

    private sealed class Provider(RecordingConfigurationSource source, IEnumerable<KeyValuePair<string, string?>> values)
        : MemoryConfigurationProvider(new MemoryConfigurationSource { InitialData = values })
    {
        public override bool TryGet(string key, out string? value)
        {
            source.KeysRead.TryAdd(key, 0);
            return base.TryGet(key, out value);
        }
    }
}
