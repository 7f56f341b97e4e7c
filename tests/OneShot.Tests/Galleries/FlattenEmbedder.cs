using OneShot.Data;
using OneShot.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

/// <summary>A test embedder whose embedding is the flattened image (1 x 2 x 2 by default, so D = 4).</summary>
internal sealed class FlattenEmbedder : IEmbedder
{
    public FlattenEmbedder(string weightsSha256 = "flat-weights", int height = 2, int width = 2)
    {
        Preprocessing = new ImagePreprocessing { Height = height, Width = width };
        WeightsSha256 = weightsSha256;
    }

    public string Architecture => "flatten";

    public ImagePreprocessing Preprocessing { get; }

    public int EmbeddingSize => Preprocessing.Height * Preprocessing.Width;

    public Device Device => CPU;

    /// <summary>The fingerprint's weights hash; change it to simulate retrained weights.</summary>
    public string WeightsSha256 { get; set; }

    public int EmbedCalls;

    public Tensor Embed(Tensor images)
    {
        Interlocked.Increment(ref EmbedCalls);
        if (images.dim() != 4 || images.shape[1] != 1 || images.shape[2] != Preprocessing.Height || images.shape[3] != Preprocessing.Width)
        {
            throw new ArgumentException($"Expected [N,1,{Preprocessing.Height},{Preprocessing.Width}]; got [{string.Join(",", images.shape)}].", nameof(images));
        }

        return images.flatten(1).to_type(ScalarType.Float32).cpu().clone();
    }

    public EmbedderFingerprint GetFingerprint() =>
        new(Architecture, $"h={Preprocessing.Height};w={Preprocessing.Width}", Preprocessing.ToCanonicalString(), WeightsSha256);

    public void Dispose()
    {
    }
}
