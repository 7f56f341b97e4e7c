using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.CrashChild;

/// <summary>
/// An embedder that only carries a fingerprint (galleries here are filled with precomputed embeddings): the same
/// fingerprint as the test suite's FlattenEmbedder of height 1 and width <c>embeddingSize</c>, so the test can load the files.
/// </summary>
public sealed class ConstantEmbedder : IEmbedder
{
    /// <summary>Creates the embedder.</summary>
    public ConstantEmbedder(int embeddingSize)
    {
        EmbeddingSize = embeddingSize;
        Preprocessing = new ImagePreprocessing { Height = 1, Width = embeddingSize };
    }

    /// <inheritdoc />
    public string Architecture => "flatten";

    /// <inheritdoc />
    public ImagePreprocessing Preprocessing { get; }

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <inheritdoc />
    public Device Device => CPU;

    /// <inheritdoc />
    public Tensor Embed(Tensor images) => throw new NotSupportedException("The crash child enrolls embeddings only.");

    /// <inheritdoc />
    public EmbedderFingerprint GetFingerprint() =>
        new(Architecture, $"h=1;w={EmbeddingSize}", Preprocessing.ToCanonicalString(), "flat-weights");

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
