using System.Diagnostics;
using System.Reflection;

namespace AgentFunctions.Tests.Support;

/// <summary>
/// The real Bicep compiler, from the <c>Azure.Bicep.CommandLine.linux-x64</c> package the test project restores (its
/// path is stamped into the test assembly at build time). Runs <c>bicep build</c> and <c>bicep lint</c> as processes.
/// </summary>
public static class BicepCompiler
{
    private static readonly Lazy<string> Binary = new(FindBinary);

    public sealed record Outcome(int ExitCode, string StandardOutput, string StandardError)
    {
        /// <summary>Diagnostics lines (errors, warnings, infos) as the compiler prints them: "file(line,col) : Warning rule: text".</summary>
        public IReadOnlyList<string> Diagnostics =>
            (StandardOutput + "\n" + StandardError).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.Contains(" : Error ", StringComparison.Ordinal) || l.Contains(" : Warning ", StringComparison.Ordinal)
                    || l.Contains(" : Info ", StringComparison.Ordinal))
                .ToList();
    }

    public static Outcome Build(string bicepFile, string outputFile) => Run("build", bicepFile, "--outfile", outputFile);

    public static Outcome Lint(string bicepFile) => Run("lint", bicepFile);

    private static Outcome Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // No telemetry, no update checks: the tests must not need the network.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("bicep " + string.Join(' ', arguments) + " did not finish in two minutes");
        }
        return new Outcome(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindBinary()
    {
        var packageFolder = typeof(BicepCompiler).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepPackagePath")?.Value;
        if (string.IsNullOrEmpty(packageFolder))
        {
            throw new InvalidOperationException("The test project did not record where Azure.Bicep.CommandLine.linux-x64 was restored (BicepPackagePath).");
        }
        var binary = Path.Combine(packageFolder, "tools", OperatingSystem.IsWindows() ? "bicep.exe" : "bicep");
        if (!File.Exists(binary))
        {
            throw new FileNotFoundException("The Bicep compiler is not in its package folder", binary);
        }
        // NuGet extracts files without their execute bit on some machines.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(binary) & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(binary, File.GetUnixFileMode(binary) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        return binary;
    }
}
