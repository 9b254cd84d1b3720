using AgentFunctions.Common;
using AgentFunctions.Storage;

namespace AgentFunctions.Benchmarks.Storage;

/// <summary>A record of typical size (about 300 bytes of JSON), shaped like the platform's own records.</summary>
public sealed record BenchDocument(string Id, TenantId TenantId, string Name, string Description, int Version, bool Enabled) : IDocument
{
    public static string Kind => "bench_document";

    public static BenchDocument Create(TenantId tenant, int i, int version) =>
        new($"doc_{i:D6}", tenant, $"document {i}", new string('d', 200), version, i % 2 == 0);
}
