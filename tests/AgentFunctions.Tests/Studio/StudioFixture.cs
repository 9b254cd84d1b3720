using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentFunctions.Access;
using AgentFunctions.LocalHost;
using AgentFunctions.Tests.Support;

namespace AgentFunctions.Tests.Studio;

[CollectionDefinition(Name)]
public sealed class StudioCollection : ICollectionFixture<StudioFixture>
{
    public const string Name = "Studio";
}

/// <summary>
/// What the Studio's browser scenarios share: Debian's chromium (installed when missing and running as root), the
/// Studio's npm packages (npm ci when node_modules is missing or older than the lock) and build, and one local host on
/// Kestrel on a free 127.0.0.1 port with a temp data folder, the offline model and a seeded tenant admin key.
/// </summary>
public sealed class StudioFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private PlatformFactory? host;

    /// <summary>One chromium for every scenario (e2e/browser.mjs): each run connects and opens its own fresh context.</summary>
    private Process? browser;

    private string browserEndpoint = "";

    public string StudioDirectory { get; } = FindStudioDirectory();

    public string BaseUrl { get; private set; } = "";

    public string AdminKey { get; private set; } = "";

    /// <summary>Where the scenarios' screenshots go: the test results folder's studio/.</summary>
    public string OutputDirectory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("STUDIO_SCREENSHOTS") is { Length: > 0 } custom ? custom : Path.Combine(FindRepoRoot(), "tests", "AgentFunctions.Tests", "TestResults"),
        "studio");

    /// <summary>Why the browser tests cannot run here (a clear message naming the fix), or null.</summary>
    public string? SetupFailure { get; private set; }

    public async Task InitializeAsync()
    {
        try
        {
            await EnsureChromiumAsync();
            await EnsureStudioBuiltAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            SetupFailure = ex.Message;
            return;
        }

        await StartSharedBrowserAsync();

        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        host = new PlatformFactory
        {
            Settings = new Dictionary<string, string>
            {
                [StudioEndpoints.PathSetting] = Path.Combine(StudioDirectory, "dist"),
                ["urls"] = BaseUrl,
            },
        };
        host.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        host.StartServer();
        var tenant = await host.SeedTenantAsync(Role.Admin);
        AdminKey = tenant.First.Key;
        Directory.CreateDirectory(OutputDirectory);
    }

    public async Task DisposeAsync()
    {
        host?.Dispose();
        if (browser is not null)
        {
            try
            {
                browser.StandardInput.Close();
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await browser.WaitForExitAsync(limit.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
            {
                browser.Kill(entireProcessTree: true);
            }
            browser.Dispose();
        }
    }

    /// <summary>
    /// Starts e2e/browser.mjs (a playwright browser server on 127.0.0.1) and reads its endpoint. Scenarios then skip the
    /// browser launch; each still gets a new browser context, so they share nothing. If it cannot start (or
    /// STUDIO_SHARED_BROWSER=0), every scenario launches its own chromium as before.
    /// </summary>
    private async Task StartSharedBrowserAsync()
    {
        // STUDIO_SHARED_BROWSER=0: each scenario launches its own chromium (to compare, or to rule the sharing out).
        if (Environment.GetEnvironmentVariable("STUDIO_SHARED_BROWSER") == "0") return;
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = StudioDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "e2e/browser.mjs", "--chromium", ChromiumPath }) start.ArgumentList.Add(argument);
        Process? process = null;
        try
        {
            process = Process.Start(start);
            if (process is null) return;
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(limit.Token);
            var ws = line is null ? null : JsonDocument.Parse(line).RootElement.GetProperty("ws").GetString();
            if (ws is null || !ws.StartsWith("ws://127.0.0.1:", StringComparison.Ordinal)) throw new InvalidOperationException($"e2e/browser.mjs printed '{line}'");
            _ = process.StandardError.ReadToEndAsync();
            browser = process;
            browserEndpoint = ws;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or JsonException or KeyNotFoundException or System.ComponentModel.Win32Exception)
        {
            if (process is { HasExited: false }) process.Kill(entireProcessTree: true);
            process?.Dispose();
        }
    }

    /// <summary>Whether the scenarios share one browser (false: each launches its own).</summary>
    public bool SharedBrowser => browserEndpoint.Length > 0;

    /// <summary>Runs <c>e2e/scenarios/{name}.mjs</c> in chromium against the host; the parsed JSON line and the exit code.</summary>
    public async Task<ScenarioResult> RunScenarioAsync(string name)
    {
        if (SetupFailure is not null) Assert.Fail(SetupFailure);
        string[] arguments = ["e2e/run.mjs", "--base", BaseUrl, "--key", AdminKey, "--out", OutputDirectory, "--scenario", name];
        if (SharedBrowser && browser is { HasExited: false }) arguments = [.. arguments, "--ws", browserEndpoint];
        var run = await RunInStudio("node", arguments, TimeSpan.FromSeconds(150));
        var line = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.TrimStart().StartsWith('{'));
        JsonElement? json = null;
        if (line is not null)
        {
            try
            {
                json = JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Reported below with the raw output.
            }
        }
        return new ScenarioResult(name, run.ExitCode, json, run.StdOut.Replace(AdminKey, "<key>", StringComparison.Ordinal), run.StdErr.Replace(AdminKey, "<key>", StringComparison.Ordinal));
    }

    private static async Task EnsureChromiumAsync()
    {
        if (File.Exists(ChromiumPath)) return;
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException(
                $"The Studio's browser tests need Debian's chromium at {ChromiumPath}. Install it once: sudo apt-get update && sudo apt-get install -y chromium");
        }
        var install = await RunIn(Path.GetTempPath(), "bash", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"], TimeSpan.FromMinutes(8));
        if (install.ExitCode != 0 || !File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Installing chromium failed (exit {install.ExitCode}); run: apt-get update && apt-get install -y chromium\n{Tail(install.StdErr)}");
        }
    }

    private async Task EnsureStudioBuiltAsync()
    {
        var lockFile = Path.Combine(StudioDirectory, "package-lock.json");
        // npm's own stamp: npm ci rewrites node_modules/.package-lock.json (the LocalHost build uses the same rule).
        var stamp = Path.Combine(StudioDirectory, "node_modules", ".package-lock.json");
        if (!File.Exists(stamp) || File.GetLastWriteTimeUtc(stamp) < File.GetLastWriteTimeUtc(lockFile))
        {
            var ci = await RunInStudio("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5));
            if (ci.ExitCode != 0) throw new InvalidOperationException($"npm ci in {StudioDirectory} failed (exit {ci.ExitCode}):\n{Tail(ci.StdErr)}");
        }
        var bundle = Path.Combine(StudioDirectory, "dist", "app.js");
        var newestSource = new[] { "src", "static" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(StudioDirectory, d), "*", SearchOption.AllDirectories))
            .Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
        if (!File.Exists(bundle) || File.GetLastWriteTimeUtc(bundle) < newestSource)
        {
            var build = await RunInStudio("npm", ["run", "build", "--silent"], TimeSpan.FromMinutes(3));
            if (build.ExitCode != 0) throw new InvalidOperationException($"npm run build in {StudioDirectory} failed (exit {build.ExitCode}):\n{Tail(build.StdOut + build.StdErr)}");
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentFunctions.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("AgentFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    private static string FindStudioDirectory() => Path.Combine(FindRepoRoot(), "functions", "AgentFunctions.Studio");

    private sealed record ProcessRun(int ExitCode, string StdOut, string StdErr);

    private Task<ProcessRun> RunInStudio(string file, IReadOnlyList<string> arguments, TimeSpan timeout) =>
        RunIn(StudioDirectory, file, arguments, timeout);

    private static async Task<ProcessRun> RunIn(string directory, string file, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>What e2e/run.mjs reported for one scenario.</summary>
public sealed record ScenarioResult(string Scenario, int ExitCode, JsonElement? Json, string StdOut, string StdErr)
{
    public bool Ok => ExitCode == 0 && Json is { } json && json.GetProperty("ok").GetBoolean();

    public IReadOnlyList<string> Screens => Json is { } json
        ? json.GetProperty("screens").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToList()
        : [];

    public IReadOnlyList<string> PassedChecks => Json is { } json
        ? json.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("ok").GetBoolean()).Select(c => c.GetProperty("name").GetString()!).ToList()
        : [];

    public int BlockingViolations => Json is { } json ? json.GetProperty("screens").EnumerateArray().Sum(s => s.GetProperty("blocking").GetInt32()) : -1;

    public override string ToString() => $"scenario {Scenario} exited {ExitCode}\n{StdOut}\n{StdErr}";
}
