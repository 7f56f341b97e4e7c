using System.Text.Json;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Tests.Embeddings;

/// <summary>Reads the golden fixtures of <c>eng/golden/make_fixtures.py</c> (TestData/golden, committed; no Python needed).</summary>
internal static class GoldenFixture
{
    /// <summary>
    /// The float32 tolerance the issue sets: within 1e-5 of PyTorch, relative to the output's scale
    /// (<see cref="MaxRelativeError"/> with floor fraction 1, i.e. max|a − b| / max|b|). Element by element it cannot
    /// hold: PyTorch's own float32 forward is 1.1e-5 (ResNet-12) and 2.6e-5 (ResNet-18) from the float64 reference on
    /// elements a thousand times smaller than the largest.
    /// </summary>
    public const double Float32Tolerance = 1e-5;

    /// <summary>The float64 tolerance, element by element (floor fraction 1e-3): the same architecture gives ~1e-15.</summary>
    public const double Float64Tolerance = 1e-10;

    /// <summary>The fixture folder in the checkout.</summary>
    public static string Folder => Path.Combine(TestPaths.RepoRoot, "tests", "OneShot.Tests", "TestData", "golden");

    /// <summary>Reads every tensor of fixture <paramref name="fileName"/> and its metadata.</summary>
    public static (StateDict Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string fileName)
    {
        using var reader = SafetensorsReader.Open(Path.Combine(Folder, fileName));
        return (reader.ReadAll(), reader.Metadata);
    }

    /// <summary>The state-dict entries the script's network had, as <c>key [shape] dtype</c>, in its order.</summary>
    public static List<string> Keys(IReadOnlyDictionary<string, string> metadata)
    {
        using var document = JsonDocument.Parse(metadata["keys"]);
        return document.RootElement.EnumerateArray()
            .Select(e => $"{e[0].GetString()} [{string.Join(",", e[1].EnumerateArray().Select(d => d.GetInt64()))}] {e[2].GetString()}")
            .ToList();
    }

    /// <summary>The key of an entry written by <see cref="Keys"/>.</summary>
    public static string KeyOf(string entry) => entry[..entry.IndexOf(' ', StringComparison.Ordinal)];

    /// <summary>
    /// The largest relative error max_i |a_i − b_i| / max(|b_i|, floor) of <paramref name="actual"/> against
    /// <paramref name="expected"/>, in float64, with floor = <paramref name="floorFraction"/> · max_j |b_j| (so elements
    /// that are zero in the reference, such as ReLU outputs, are judged against the tensor's scale; a fraction of 1
    /// gives the norm-wise error max|a − b| / max|b|). Shapes must match.
    /// </summary>
    public static double MaxRelativeError(Tensor actual, Tensor expected, double floorFraction)
    {
        actual.shape.Should().Equal(expected.shape);
        using var scope = NewDisposeScope();
        var a = actual.detach().cpu().to_type(ScalarType.Float64);
        var b = expected.detach().cpu().to_type(ScalarType.Float64);
        double floor = Math.Max(floorFraction * b.abs().max().item<double>(), double.Epsilon);
        return ((a - b).abs() / b.abs().clamp_min(floor)).max().item<double>();
    }
}
