using System.Net.Http.Headers;
using AgentFunctions.Access;
using AgentFunctions.Common;
using AgentFunctions.Storage;
using AgentFunctions.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentFunctions.Tests.Support;

/// <summary>
/// The local host in-process on a fresh data folder. <see cref="SeedTenantAsync"/> writes a tenant, a user and a key
/// straight into the document store, so a feature's HTTP tests do not depend on the tenancy routes.
/// </summary>
public sealed class PlatformFactory : WebApplicationFactory<Program>
{
    public PlatformFactory()
        : this(Path.Combine(Path.GetTempPath(), "af-host-" + Guid.NewGuid().ToString("N")), ownsDirectory: true)
    {
    }

    private PlatformFactory(string dataDirectory, bool ownsDirectory)
    {
        DataDirectory = dataDirectory;
        OwnsDirectory = ownsDirectory;
    }

    /// <summary>A host on an existing data folder, as after a restart; the folder is left in place on dispose.</summary>
    public static PlatformFactory OnExistingDirectory(string dataDirectory) => new(dataDirectory, ownsDirectory: false);

    /// <summary>Whether disposing this host deletes the data folder.</summary>
    public bool OwnsDirectory { get; private set; }

    /// <summary>
    /// A second host on this host's data folder, which takes over the folder's clean-up. Dispose this one before the
    /// second starts: the store allows one writer.
    /// </summary>
    public PlatformFactory Restarted()
    {
        var next = new PlatformFactory(DataDirectory, OwnsDirectory) { PlatformKey = PlatformKey };
        OwnsDirectory = false;
        return next;
    }

    // Private: an xunit class fixture may have only one public constructor.
    private PlatformFactory(string dataDirectory)
    {
        DataDirectory = dataDirectory;
    }

    /// <summary>A host on an existing data folder: a restart of an earlier factory that set <see cref="KeepDataOnDispose"/>.</summary>
    public static PlatformFactory OnDirectory(string dataDirectory) => new(dataDirectory);

    public string DataDirectory { get; }

    /// <summary>The platform key this host accepts (fixed through configuration, as an operator would).</summary>
    public string PlatformKey { get; init; } = "afp.test-platform-key-" + Guid.NewGuid().ToString("N");

    /// <summary>Runs after the platform's own registrations; tests replace adapters or the clock here.</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    /// <summary>Extra host settings (e.g. where the Studio's files are), applied after the defaults above.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AgentFunctions:DataDirectory", DataDirectory);
        builder.UseSetting("AgentFunctions:Quiet", "true");
        builder.UseSetting("AgentFunctions:PlatformKey", PlatformKey);
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        foreach (var (name, value) in Settings)
        {
            builder.UseSetting(name, value);
        }
        builder.ConfigureLogging(logging =>
        {
            // Every host's every line, all levels, for the secret-leak scan (Credentials/CredentialSecretLeakTests).
            logging.AddProvider(new SuiteLogProvider());
            logging.AddFilter<SuiteLogProvider>(null, LogLevel.Trace);
        });
        if (ConfigureTestServices is { } configure)
        {
            builder.ConfigureServices(configure);
        }
    }

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public async Task<SeededTenant> SeedTenantAsync(Role role = Role.Admin, string? tenantId = null)
    {
        var tenant = new TenantId(tenantId ?? Ids.New("ten", 12));
        var now = DateTimeOffset.UtcNow;
        var teamId = Ids.New("team", 12);
        var documents = Store.For(tenant);
        await documents.CreateAsync(new Tenant(tenant.Value, tenant, "Seeded " + tenant.Value, "free", null, teamId, now));
        await documents.CreateAsync(new Team(teamId, tenant, "Default", now));
        var tenantRecord = new SeededTenant(this, tenant, teamId);
        await tenantRecord.AddUserAsync(role);
        return tenantRecord;
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // The host disposes its services on its own thread after Dispose returns (minimal hosting runs Program.Main
        // there), so wait until it has let go of the data folder's files before a restart or clean-up touches them.
        WaitUntilFilesReleased(TimeSpan.FromSeconds(15));
        if (!OwnsDirectory) return;
        try
        {
            if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a background service; the OS temp cleaner removes it later.
        }
    }

    private void WaitUntilFilesReleased(TimeSpan timeout)
    {
        if (!Directory.Exists(DataDirectory)) return;
        var deadline = DateTime.UtcNow + timeout;
        foreach (var file in Directory.GetFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            while (true)
            {
                try
                {
                    using (File.Open(file, FileMode.Open, FileAccess.Read, FileShare.None))
                    {
                    }
                    break;
                }
                catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
                {
                    break;
                }
                catch (IOException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(10);
                }
            }
        }
    }
}

/// <summary>A tenant written by <see cref="PlatformFactory.SeedTenantAsync"/>; <see cref="Users"/>[0] is the first user.</summary>
public sealed class SeededTenant(PlatformFactory factory, TenantId tenant, string teamId)
{
    public TenantId Tenant { get; } = tenant;

    public string TeamId { get; } = teamId;

    public List<SeededUser> Users { get; } = [];

    public SeededUser First => Users[0];

    public async Task<SeededUser> AddUserAsync(Role role)
    {
        var now = DateTimeOffset.UtcNow;
        var userId = Ids.New("usr", 12);
        var documents = factory.Store.For(Tenant);
        await documents.CreateAsync(new User(userId, Tenant, userId + "@example.test", null, role, [TeamId], false, now));
        var token = ApiKeyToken.Issue(Tenant);
        await documents.CreateAsync(new ApiKey(token.KeyId, Tenant, userId, "seeded", token.DisplayPrefix, ApiKeyToken.Hash(token.Secret), null, now, null, null));
        var user = new SeededUser(userId, role, token.ToString(), factory.ClientWithKey(token.ToString()));
        Users.Add(user);
        return user;
    }
}

public sealed record SeededUser(string UserId, Role Role, string Key, HttpClient Client);
