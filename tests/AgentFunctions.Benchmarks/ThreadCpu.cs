using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentFunctions.Benchmarks;

/// <summary>
/// CPU time per thread name from <c>/proc/self/task</c> (Linux; empty elsewhere): where a store's change acts (the
/// SQLite writer, the append log's threads, pool workers) even when the process total is noisy.
/// </summary>
public static class ThreadCpu
{
    public static IReadOnlyDictionary<string, TimeSpan> Snapshot()
    {
        var totals = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        if (!OperatingSystem.IsLinux()) return totals;
        var tick = TimeSpan.FromSeconds(1.0 / Sysconf(ClockTicks));
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesised name: state is the 3rd field, utime the 14th, stime the 15th.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                totals[name] = totals.GetValueOrDefault(name) + tick * ticks;
            }
            catch (IOException)
            {
                // The thread ended between the listing and the read.
            }
        }
        return totals;
    }

    public static IReadOnlyDictionary<string, TimeSpan> Since(IReadOnlyDictionary<string, TimeSpan> before) =>
        Snapshot().ToDictionary(t => t.Key, t => t.Value - before.GetValueOrDefault(t.Key), StringComparer.Ordinal);

    private const int ClockTicks = 2; // _SC_CLK_TCK

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long Sysconf(int name);
}
