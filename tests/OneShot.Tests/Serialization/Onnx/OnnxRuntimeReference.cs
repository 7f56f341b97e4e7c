using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace OneShot.Tests.Serialization.Onnx;

/// <summary>Runs an ONNX file with ONNX Runtime: the outside truth the imports are checked against.</summary>
internal static class OnnxRuntimeReference
{
    /// <summary>Runs the single-input model at <paramref name="path"/> on <paramref name="input"/> of <paramref name="shape"/>; returns the first output.</summary>
    public static float[] Run(string path, float[] input, int[] shape)
    {
        using var session = new InferenceSession(path);
        string name = session.InputMetadata.Keys.Single();
        var tensor = new DenseTensor<float>(input, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, tensor)]);
        return results.First().AsTensor<float>().ToArray();
    }

    /// <summary>The largest absolute difference divided by the largest absolute reference value.</summary>
    public static double MaxRelativeError(IReadOnlyList<float> actual, IReadOnlyList<float> expected)
    {
        actual.Count.Should().Be(expected.Count);
        double scale = expected.Max(v => Math.Abs((double)v));
        double diff = actual.Zip(expected, (a, e) => Math.Abs((double)a - e)).Max();
        return diff / scale;
    }

    /// <summary>The largest per-element relative difference over the elements at least 1 % of the largest.</summary>
    public static double MaxElementRelativeError(IReadOnlyList<float> actual, IReadOnlyList<float> expected)
    {
        double floor = 0.01 * expected.Max(v => Math.Abs((double)v));
        return actual.Zip(expected, (a, e) => Math.Abs(e) < floor ? 0 : Math.Abs((double)a - e) / Math.Abs((double)e)).Max();
    }
}
