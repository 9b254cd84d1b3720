using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;

namespace AgentFunctions.Tests.Support;

/// <summary>
/// Azurite's blob service, the real storage emulator from npm, for the Blob Storage adapter's tests. It installs itself
/// (<c>npm install azurite@<see cref="Version"/></c>) into a cache folder when missing (<c>AGENTFUNCTIONS_TOOLS_CACHE</c>, or
/// ~/.cache/agentfunctions/azurite), and runs in memory on a free loopback port with <c>--skipApiVersionCheck</c>
/// (Azure.Storage.Blobs 12.30 speaks a newer service version than Azurite knows). One process serves the collection.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string Version = "3.37.0";

    // Azurite's well-known development account (public, documented; not a secret).
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? process;

    public string ConnectionString { get; private set; } = string.Empty;

    public BlobServiceClient Service => new(ConnectionString);

    public async Task InitializeAsync()
    {
        var main = await EnsureInstalledAsync();
        var port = FreePort();
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { main, "--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent" })
        {
            start.ArgumentList.Add(argument);
        }
        process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited) throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before it listened.");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Azurite did not listen within 60 s.");
            await Task.Delay(100);
        }
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Installs Azurite into the cache folder unless it is there; returns the path of its blob server script.</summary>
    private static async Task<string> EnsureInstalledAsync()
    {
        var cache = Environment.GetEnvironmentVariable("AGENTFUNCTIONS_TOOLS_CACHE") is { Length: > 0 } configured
            ? Path.Combine(configured, "azurite")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "agentfunctions", "azurite");
        var main = Path.Combine(cache, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (File.Exists(main)) return main;
        Directory.CreateDirectory(cache);
        // Test processes of other projects may install at the same time: one at a time through a lock file.
        await using var gate = await LockAsync(Path.Combine(cache, ".install.lock"));
        if (File.Exists(main)) return main;
        var install = new ProcessStartInfo("npm") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cache };
        foreach (var argument in new[] { "install", "--prefix", cache, "--no-audit", "--no-fund", "--no-save", $"azurite@{Version}" }) install.ArgumentList.Add(argument);
        using var npm = Process.Start(install) ?? throw new InvalidOperationException("npm is needed to install Azurite for the Blob Storage tests.");
        var output = npm.StandardOutput.ReadToEndAsync();
        var error = npm.StandardError.ReadToEndAsync();
        await npm.WaitForExitAsync();
        if (npm.ExitCode != 0 || !File.Exists(main))
        {
            throw new InvalidOperationException($"npm install azurite@{Version} failed ({npm.ExitCode}): {await output}\n{await error}");
        }
        return main;
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
