using Azure;
using Azure.Security.KeyVault.Secrets;
using Moq;

namespace AgentFunctions.Tests.Credentials;

/// <summary>
/// A Moq <see cref="SecretClient"/> backed by a dictionary that behaves as Key Vault does where our adapter depends on it:
/// names compare case-insensitively, each set makes a new version, a disabled version answers 403, a deleted or unknown
/// name 404. <see cref="Sent"/>, <see cref="Updates"/> and <see cref="Deletes"/> record exactly what the adapter sent.
/// </summary>
public sealed class FakeKeyVault
{
    public static readonly Uri VaultUri = new("https://af-test.vault.azure.net/");

    private readonly Dictionary<string, List<KeyVaultSecret>> secrets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock gate = new();
    private int versionCounter;

    public FakeKeyVault()
    {
        Client = new Mock<SecretClient>(MockBehavior.Strict);
        Client.SetupGet(c => c.VaultUri).Returns(VaultUri);
        Client.Setup(c => c.SetSecretAsync(It.IsAny<KeyVaultSecret>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((KeyVaultSecret secret, CancellationToken _) => Response.FromValue(Store(secret), Mock.Of<Response>()));
        Client.Setup(c => c.GetSecretAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, string version, CancellationToken _) => Response.FromValue(Find(name, version), Mock.Of<Response>()));
        Client.Setup(c => c.UpdateSecretPropertiesAsync(It.IsAny<SecretProperties>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((SecretProperties properties, CancellationToken _) => Response.FromValue(Update(properties), Mock.Of<Response>()));
        Client.Setup(c => c.StartDeleteSecretAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, CancellationToken _) => Delete(name));
        Client.Setup(c => c.GetPropertiesOfSecretsAsync(It.IsAny<CancellationToken>()))
            .Returns((CancellationToken _) => ListLatest());
        Client.Setup(c => c.PurgeDeletedSecretAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, CancellationToken _) => Purge(name));
    }

    /// <summary>Names purged after their soft delete, in order.</summary>
    public List<string> Purges { get; } = [];

    /// <summary>Names that were deleted and not yet purged (Key Vault's soft-deleted secrets).</summary>
    public HashSet<string> SoftDeleted { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>As Key Vault lists secrets: each name once, with its latest version's properties (tags included).</summary>
    private AsyncPageable<SecretProperties> ListLatest()
    {
        lock (gate)
        {
            var latest = secrets.Values.Select(v => v[^1].Properties).ToList();
            return AsyncPageable<SecretProperties>.FromPages([Page<SecretProperties>.FromValues(latest, null, Mock.Of<Response>())]);
        }
    }

    private Response Purge(string name)
    {
        lock (gate)
        {
            Purges.Add(name);
            if (!SoftDeleted.Remove(name)) throw new RequestFailedException(404, "not found", "SecretNotFound", null);
            return Mock.Of<Response>();
        }
    }

    public Mock<SecretClient> Client { get; }

    public List<KeyVaultSecret> Sent { get; } = [];

    public List<SecretProperties> Updates { get; } = [];

    public List<string> Deletes { get; } = [];

    public IReadOnlyList<KeyVaultSecret> VersionsOf(string name)
    {
        lock (gate) return secrets.TryGetValue(name, out var versions) ? versions.ToList() : [];
    }

    private KeyVaultSecret Store(KeyVaultSecret sent)
    {
        lock (gate)
        {
            Sent.Add(sent);
            var version = (++versionCounter).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
            var properties = SecretModelFactory.SecretProperties(new Uri(VaultUri, $"secrets/{sent.Name}/{version}"), VaultUri, sent.Name, version);
            properties.ContentType = sent.Properties.ContentType;
            properties.Enabled = true;
            foreach (var (key, value) in sent.Properties.Tags) properties.Tags[key] = value;
            var stored = SecretModelFactory.KeyVaultSecret(properties, sent.Value);
            if (!secrets.TryGetValue(sent.Name, out var versions)) secrets[sent.Name] = versions = [];
            versions.Add(stored);
            return stored;
        }
    }

    private KeyVaultSecret Find(string name, string? version)
    {
        lock (gate)
        {
            var found = secrets.TryGetValue(name, out var versions)
                ? (version is null ? versions.LastOrDefault() : versions.FirstOrDefault(v => v.Properties.Version == version))
                : null;
            if (found is null) throw new RequestFailedException(404, $"A secret with (name/id) {name}/{version} was not found in this key vault.", "SecretNotFound", null);
            if (found.Properties.Enabled == false) throw new RequestFailedException(403, "Operation get is not allowed on a disabled secret.", "Forbidden", null);
            return found;
        }
    }

    private SecretProperties Update(SecretProperties properties)
    {
        lock (gate)
        {
            Updates.Add(properties);
            var found = secrets.TryGetValue(properties.Name, out var versions) ? versions.FirstOrDefault(v => v.Properties.Version == properties.Version) : null;
            if (found is null) throw new RequestFailedException(404, "not found", "SecretNotFound", null);
            if (properties.Enabled is { } enabled) found.Properties.Enabled = enabled;
            return found.Properties;
        }
    }

    private DeleteSecretOperation Delete(string name)
    {
        lock (gate)
        {
            Deletes.Add(name);
            if (!secrets.Remove(name)) throw new RequestFailedException(404, "not found", "SecretNotFound", null);
            SoftDeleted.Add(name);
            return new Mock<DeleteSecretOperation>().Object;
        }
    }
}
