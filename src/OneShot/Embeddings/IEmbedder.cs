using OneShot.Data;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// Maps a batch of images <c>[N,C,H,W]</c> to embeddings <c>[N,D]</c>.
/// </summary>
/// <remarks>
/// <see cref="Embed"/> gives the evaluation-mode result under inference mode without changing any module state
/// (no switch between training and evaluation mode, no batch-norm statistics updated), and is safe to call from many
/// threads at once. Training, loading weights and disposing are not; do them while no other call is in flight.
/// </remarks>
public interface IEmbedder : IDisposable
{
    /// <summary>The architecture name, for example <c>conv4</c>.</summary>
    string Architecture { get; }

    /// <summary>How image files are turned into this embedder's input.</summary>
    ImagePreprocessing Preprocessing { get; }

    /// <summary>The length D of each embedding.</summary>
    int EmbeddingSize { get; }

    /// <summary>The device the weights live on.</summary>
    Device Device { get; }

    /// <summary>
    /// Embeds <paramref name="images"/> (<c>[N,C,H,W]</c> float32, on any device) and returns a new
    /// float32 CPU tensor <c>[N,D]</c> owned by the caller.
    /// </summary>
    Tensor Embed(Tensor images);

    /// <summary>
    /// The identity of this embedder: architecture, options, preprocessing and a hash of the current weights.
    /// Two embedders with equal fingerprints produce the same embeddings.
    /// </summary>
    EmbedderFingerprint GetFingerprint();
}
