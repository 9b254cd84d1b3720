using System.Security.Cryptography;
using System.Text;

namespace AgentFunctions.Local.Vault;

/// <summary>
/// The local vault's master keys: one current key (new writes) and any previous keys (reads of older records).
/// A key's id is a fingerprint of the key, so the same key has the same id on every start and nothing secret is stored with it.
/// Sources, first found wins: the environment value <see cref="KeyVariable"/> (base64 of 32 bytes, previous keys in
/// <see cref="PreviousKeysVariable"/>, comma-separated), else the key file <c>vault/master.key</c> under the data folder,
/// created on first start with owner-only permissions (first line current, further lines previous keys).
/// </summary>
public sealed class VaultKeyring
{
    public const string KeyVariable = "AGENTFUNCTIONS_VAULT_KEY";
    public const string PreviousKeysVariable = "AGENTFUNCTIONS_VAULT_PREVIOUS_KEYS";
    public const string KeyFileName = "master.key";
    public const int KeyBytes = 32;

    private readonly Dictionary<string, byte[]> keys = new(StringComparer.Ordinal);

    public VaultKeyring(byte[] currentKey, IEnumerable<byte[]>? previousKeys = null)
    {
        CurrentKeyId = Add(currentKey);
        foreach (var key in previousKeys ?? []) Add(key);
    }

    public string CurrentKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => keys.Keys;

    /// <summary>Where the keys came from (for the start-up log line; never the key).</summary>
    public string Source { get; private init; } = "explicit";

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeyBytes);

    public static string IdOf(byte[] key)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key, "agentfunctions vault key id v1"u8, hash);
        return "k" + Convert.ToHexStringLower(hash[..6]);
    }

    internal bool TryGet(string keyId, out byte[] key) => keys.TryGetValue(keyId, out key!);

    internal byte[] Current => keys[CurrentKeyId];

    /// <summary>Loads from the environment values when set, else from (or creates) the key file in <paramref name="vaultDirectory"/>.</summary>
    public static VaultKeyring Load(string vaultDirectory, string? environmentKey, string? environmentPreviousKeys)
    {
        if (!string.IsNullOrWhiteSpace(environmentKey))
        {
            var previous = (environmentPreviousKeys ?? string.Empty)
                .Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(k => ParseKey(k, PreviousKeysVariable));
            return new VaultKeyring(ParseKey(environmentKey.Trim(), KeyVariable), previous) { Source = "environment" };
        }
        return LoadOrCreateKeyFile(vaultDirectory);
    }

    private static VaultKeyring LoadOrCreateKeyFile(string vaultDirectory)
    {
        CreatePrivateDirectory(vaultDirectory);
        var path = Path.Combine(vaultDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            TryCreateKeyFile(path);
        }
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new InvalidOperationException($"The vault key file {path} is readable by other users; run 'chmod 600' on it.");
        }
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0)
        {
            throw new InvalidOperationException($"The vault key file {path} holds no key.");
        }
        var keys = lines.Select(l => ParseKey(l, path)).ToList();
        return new VaultKeyring(keys[0], keys.Skip(1)) { Source = "key file" };
    }

    /// <summary>Creates the vault folder owner-only (0700) when it does not exist yet; an existing folder keeps its mode.</summary>
    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void TryCreateKeyFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Created 0600 from the first byte: never a moment where others could read it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var stream = new FileStream(path, options);
            var line = Encoding.ASCII.GetBytes(Convert.ToBase64String(NewKey()) + "\n");
            stream.Write(line);
            stream.Flush(flushToDisk: true);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; use theirs.
        }
    }

    private static byte[] ParseKey(string text, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"A vault key from {source} is not base64.");
        }
        if (key.Length != KeyBytes)
        {
            throw new InvalidOperationException($"A vault key from {source} must be {KeyBytes} bytes (it is {key.Length}).");
        }
        return key;
    }

    private string Add(byte[] key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"A vault key must be {KeyBytes} bytes.", nameof(key));
        var id = IdOf(key);
        keys.TryAdd(id, key.ToArray());
        return id;
    }
}
