using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace AgentFunctions.Tests.Hosting;

/// <summary>What the Functions app ships: its own adapters only, and no compile-only type but the Service Bus attributes.</summary>
public sealed class FunctionsAppOutputTests
{
    /// <summary>The one package the registry here lacks; its attribute types are the only compile-only copies allowed.</summary>
    private static readonly string[] AllowedCompileOnlyTypes =
    [
        "Microsoft.Azure.Functions.Worker.ServiceBusEntityType",
        "Microsoft.Azure.Functions.Worker.ServiceBusOutputAttribute",
        "Microsoft.Azure.Functions.Worker.ServiceBusTriggerAttribute",
    ];

    private static IEnumerable<string> Assemblies() => Directory.EnumerateFiles(FunctionsAppBuild.OutputDirectory, "*.dll");

    [Fact]
    public void Output_HasNoLocalAdapterAssembly()
    {
        var names = Assemblies().Select(Path.GetFileNameWithoutExtension).ToList();

        Assert.Contains("AgentFunctions.Functions", names);
        Assert.Contains("AgentFunctions.Azure", names);
        Assert.DoesNotContain("AgentFunctions.Local", names);
        Assert.DoesNotContain("AgentFunctions.LocalHost", names);
    }

    [Fact]
    public void Output_CompileOnlyTypes_AreExactlyTheServiceBusAttributes()
    {
        // Any assembly marked as a compile-only copy, and every public type in it, read without loading it.
        var copies = new List<string>();
        foreach (var path in Assemblies())
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) continue;
            var reader = pe.GetMetadataReader();
            if (!IsCompileOnlyCopy(reader)) continue;
            copies.AddRange(reader.TypeDefinitions.Select(reader.GetTypeDefinition)
                .Where(t => (t.Attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public)
                .Select(t => $"{reader.GetString(t.Namespace)}.{reader.GetString(t.Name)}"));
        }

        // A deploy build (Release) restores the real package and has no copy at all; a development build has exactly these.
        Assert.True(copies.Count == 0 || copies.Order(StringComparer.Ordinal).SequenceEqual(AllowedCompileOnlyTypes),
            "Compile-only types in the Functions app's output: " + string.Join(", ", copies));
    }

    [Fact]
    public void CompileOnlyServiceBusCopy_IsMarkedAndHasTheAllowedTypesOnly()
    {
        var copy = typeof(Microsoft.Azure.Functions.Worker.ServiceBusTriggerAttribute).Assembly;
        if (copy.GetName().Name != "AgentFunctions.CompileOnly.ServiceBus")
        {
            // Built against the real package: nothing compile-only to check.
            return;
        }

        Assert.Contains(copy.GetCustomAttributes<AssemblyMetadataAttribute>(), a => a.Key == "AgentFunctions.CompileOnlyCopyOf");
        Assert.Equal(AllowedCompileOnlyTypes, copy.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal));
    }

    private static bool IsCompileOnlyCopy(MetadataReader reader)
    {
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var parent = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (parent.Kind != HandleKind.TypeReference
                || reader.GetString(reader.GetTypeReference((TypeReferenceHandle)parent).Name) != nameof(AssemblyMetadataAttribute)) continue;
            var value = attribute.DecodeValue(new StringOnlyDecoder());
            if (value.FixedArguments.Length == 2 && value.FixedArguments[0].Value is "AgentFunctions.CompileOnlyCopyOf")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Decodes string attribute arguments; anything else decodes as an opaque value.</summary>
    private sealed class StringOnlyDecoder : ICustomAttributeTypeProvider<object?>
    {
        public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode;
        public object? GetSystemType() => null;
        public object? GetSZArrayType(object? elementType) => null;
        public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => null;
        public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => null;
        public object? GetTypeFromSerializedName(string name) => null;
        public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => PrimitiveTypeCode.Int32;
        public bool IsSystemType(object? type) => false;
    }
}
