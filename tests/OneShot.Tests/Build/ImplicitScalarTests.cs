using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace OneShot.Tests.Build;

/// <summary>
/// TorchSharp 0.107's <c>Scalar</c> holds a raw native pointer that its finalizer frees. An implicit temporary
/// (<c>tensor * 0.5</c>, <c>tensor.add(1.0)</c>) is unreachable as soon as its handle is read, so a GC on another thread
/// can free it while the native call still reads it: libtorch then throws "Unknown scalar type" (or reads freed memory).
/// That crashed a 60-way Omniglot training run twice within 1,500 episodes (in <c>AffineAugmentation.Apply</c>). Our
/// assemblies therefore create every Scalar explicitly, in a <c>using</c> that keeps it alive until the call returns;
/// this test reads their IL and names any method that creates one implicitly.
/// </summary>
public sealed class ImplicitScalarTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static readonly Lazy<HashSet<string>> RiskyTorchSharpMethods = new(() => MethodsConvertingImplicitly(typeof(TorchSharp.Scalar).Assembly.Location));

    public static TheoryData<string> Assemblies() =>
        [.. new[] { "OneShot", "OneShot.Cli", "OneShot.Onnx", "OneShot.Hosting", "OneShot.PostgreSql" }
            .Where(name => File.Exists(Path.Combine(AppContext.BaseDirectory, name + ".dll")))];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_CreatesNoImplicitScalarTemporaries(string name)
    {
        var offenders = ImplicitScalarCalls(Path.Combine(AppContext.BaseDirectory, name + ".dll"));

        offenders.Should().BeEmpty("every TorchSharp Scalar must be created with ToScalar() in a using (see the class comment)");
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_CallsNoTorchSharpOverloadThatCreatesAnImplicitScalar(string name)
    {
        // add(other) passes an implicit alpha = 1, square() an implicit 2, leaky_relu(x, double) its slope: the same race
        // inside TorchSharp. Our code calls the overloads that take every Scalar (TorchScalars.One as the alpha).
        var offenders = CallsInto(Path.Combine(AppContext.BaseDirectory, name + ".dll"), RiskyTorchSharpMethods.Value);

        offenders.Should().BeEmpty("these TorchSharp overloads convert a number to a Scalar implicitly inside their body");
    }

    [Fact]
    public void Scanner_FindsAnImplicitScalarInThisMethod()
    {
        // The scanner must see what it is meant to forbid: this test assembly's own helper below uses both forms.
        var offenders = ImplicitScalarCalls(typeof(ImplicitScalarTests).Assembly.Location);

        offenders.Should().Contain(o => o.StartsWith("OneShot.Tests.Build.ImplicitScalarTests::ImplicitForm", StringComparison.Ordinal));
        offenders.Should().NotContain(o => o.StartsWith("OneShot.Tests.Build.ImplicitScalarTests::ExplicitForm", StringComparison.Ordinal));
        RiskyTorchSharpMethods.Value.Should().Contain(["Tensor.add(Tensor)", "Tensor.add_(Scalar)", "Tensor.square()"]).And.NotContain("Tensor.add(Tensor,Scalar)");
        CallsInto(typeof(ImplicitScalarTests).Assembly.Location, RiskyTorchSharpMethods.Value)
            .Should().Contain(o => o.StartsWith("OneShot.Tests.Build.ImplicitScalarTests::RiskyOverload", StringComparison.Ordinal));
    }

    /// <summary>"Type.Method(parameter types)" of every method of TorchSharp whose own body calls an implicit conversion to Scalar.</summary>
    internal static HashSet<string> MethodsConvertingImplicitly(string torchSharpPath)
    {
        using var stream = File.OpenRead(torchSharpPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var conversions = md.TypeDefinitions
            .Select(md.GetTypeDefinition)
            .Where(t => md.GetString(t.Name) == "Scalar")
            .SelectMany(t => t.GetMethods())
            .Where(m => md.GetString(md.GetMethodDefinition(m).Name) == "op_Implicit")
            .Select(m => MetadataTokens.GetToken(m))
            .ToHashSet();
        return Calls(pe)
            .Where(call => conversions.Contains(call.Token))
            .Select(call => $"{md.GetString(call.Type.Name)}.{md.GetString(call.Method.Name)}({string.Join(",", call.Method.DecodeSignature(new TypeNames(), null).ParameterTypes)})")
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>"Type::Method: callee" for every call from <paramref name="path"/> into one of <paramref name="callees"/>.</summary>
    internal static List<string> CallsInto(string path, HashSet<string> callees) => CallsMatching(path, (md, member, signature) =>
    {
        if (member.Parent.Kind != HandleKind.TypeReference)
        {
            return null;
        }

        string key = $"{md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name)}.{md.GetString(member.Name)}({string.Join(",", signature.ParameterTypes)})";
        return callees.Contains(key) ? key : null;
    });

    /// <summary>"Type::Method: call" for every call that converts a number to a Scalar implicitly or hands one to a Tensor operator.</summary>
    internal static List<string> ImplicitScalarCalls(string path) => CallsMatching(path, (md, member, signature) =>
    {
        string methodName = md.GetString(member.Name);
        bool toScalar = methodName == "op_Implicit" && signature.ReturnType == "Scalar";
        bool numberOperator = methodName.StartsWith("op_", StringComparison.Ordinal) && methodName != "op_Implicit"
            && signature.ParameterTypes.Contains("Tensor")
            && signature.ParameterTypes.Any(p => p is "Double" or "Single" or "Int32" or "Int64" or "Boolean");
        return toScalar || numberOperator ? $"{methodName}({string.Join(",", signature.ParameterTypes)})" : null;
    });

    /// <summary>
    /// "Type::Method: callee" for every call in <paramref name="path"/> to a referenced method that
    /// <paramref name="describe"/> names (null: not of interest).
    /// </summary>
    private static List<string> CallsMatching(string path, Func<MetadataReader, MemberReference, MethodSignature<string>, string?> describe)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var targets = new Dictionary<int, string>();
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (member.GetKind() == MemberReferenceKind.Method && describe(md, member, member.DecodeMethodSignature(new TypeNames(), null)) is { } name)
            {
                targets[MetadataTokens.GetToken(handle)] = name;
            }
        }

        return [.. Calls(pe)
            .Where(call => targets.ContainsKey(call.Token))
            .Select(call => $"{md.GetString(call.Type.Namespace)}.{md.GetString(call.Type.Name)}::{md.GetString(call.Method.Name)}: {targets[call.Token]}")];
    }

    /// <summary>Every call, callvirt and newobj of every method body of the assembly, with the method it is in.</summary>
    private static IEnumerable<(TypeDefinition Type, MethodDefinition Method, int Token)> Calls(PEReader pe)
    {
        var md = pe.GetMetadataReader();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                foreach (int token in CallTokens(pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes()!))
                {
                    yield return (type, method, token);
                }
            }
        }
    }

    /// <summary>The metadata tokens of every call, callvirt and newobj in a method body, walking the IL instruction by instruction.</summary>
    private static IEnumerable<int> CallTokens(byte[] il)
    {
        int i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var opCode = OpCodesByValue[value];
            i += opCode.Size;
            if (opCode == OpCodes.Call || opCode == OpCodes.Callvirt || opCode == OpCodes.Newobj)
            {
                yield return BitConverter.ToInt32(il, i);
            }

            i += opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
        }
    }

    internal static TorchSharp.torch.Tensor ImplicitForm(TorchSharp.torch.Tensor x) => x * 0.5;

    internal static TorchSharp.torch.Tensor RiskyOverload(TorchSharp.torch.Tensor x) => x.add(x);

    internal static TorchSharp.torch.Tensor ExplicitForm(TorchSharp.torch.Tensor x)
    {
        using var half = TorchSharp.ScalarExtensionMethods.ToScalar(0.5);
        return x.mul(half);
    }

    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);

        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);

        public string GetSZArrayType(string elementType) => elementType + "[]";

        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";

        public string GetByReferenceType(string elementType) => elementType + "&";

        public string GetPointerType(string elementType) => elementType + "*";

        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";

        public string GetGenericTypeParameter(object? genericContext, int index) => $"T{index}";

        public string GetGenericMethodParameter(object? genericContext, int index) => $"M{index}";

        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";

        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

        public string GetPinnedType(string elementType) => elementType;

        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => "spec";
    }
}
