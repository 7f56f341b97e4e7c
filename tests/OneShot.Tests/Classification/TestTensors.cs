using static TorchSharp.torch;

namespace OneShot.Tests.Classification;

/// <summary>Small helpers to build and read float32 tensors in tests.</summary>
internal static class TestTensors
{
    /// <summary>A float32 tensor <c>[rows, D]</c> from the given rows.</summary>
    public static Tensor Rows(params float[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);

    /// <summary>A float32 tensor <c>[n, 1]</c> of one-dimensional points.</summary>
    public static Tensor Points(params float[] values) => tensor(values, [values.Length, 1]);

    /// <summary>The values of a float32 tensor, row-major.</summary>
    public static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();
}
