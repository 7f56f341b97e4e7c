using System.Reflection;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>
/// The files of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 in the NuGet cache (the test
/// project references it with no assets; the build records its folder). Nothing from it is copied into the repository.
/// </summary>
internal static class CntkResNet18Package
{
    /// <summary>The package folder in the NuGet cache.</summary>
    public static string Root
    {
        get
        {
            string? root = typeof(CntkResNet18Package).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "ResNet18PackageRoot")?.Value;
            if (string.IsNullOrEmpty(root) || !Directory.Exists(root))
            {
                throw new DirectoryNotFoundException(
                    $"The package Microsoft.ML.DnnImageFeaturizer.ResNet18 was not found at '{root}'; the test project's restore puts it in the NuGet cache.");
            }

            return root;
        }
    }

    /// <summary>The CNTK ResNet-18 (opset 8, input Input247 [1,3,224,224], output Pooling395_Output_0 [1,512,1,1]).</summary>
    public static string ModelPath => Path.Combine(Root, "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>Its preprocessing graph (RGB 0..255 in, BGR minus the mean image out).</summary>
    public static string PreprocessPath => Path.Combine(Root, "tools", "DnnImageModels", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
}
