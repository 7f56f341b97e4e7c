namespace OneShot.Serialization.Onnx;

/// <summary>What <see cref="OnnxImport"/> mapped from an ONNX graph into a backbone.</summary>
public sealed record OnnxImportReport
{
    /// <summary>The ONNX file.</summary>
    public required string FilePath { get; init; }

    /// <summary>The program that wrote the file (ONNX <c>producer_name</c> and version), for example <c>CNTK 2.6</c>.</summary>
    public required string Producer { get; init; }

    /// <summary>Basic blocks per stage found in the graph ([2, 2, 2, 2] for ResNet-18; CNTK's ImageNet model has [2, 2, 2, 3]).</summary>
    public required IReadOnlyList<int> BlocksPerStage { get; init; }

    /// <summary>One line per backbone convolution: the module and the ONNX nodes its weights came from, in network order.</summary>
    public required IReadOnlyList<string> Mapping { get; init; }

    /// <summary>What the import had to reason about: paddings accepted as equivalent, batch-norm epsilons, skipped nodes.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
}
