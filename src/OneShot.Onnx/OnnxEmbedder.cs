using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using static TorchSharp.torch;

namespace OneShot.Onnx;

/// <summary>
/// An <see cref="IEmbedder"/> that runs an ONNX image-embedding model with ONNX Runtime, so any model a user brings
/// (their export of CLIP, DINOv2, a face model, or OneShot's own <see cref="OnnxExporter"/> output) works with
/// galleries, classifiers, the episode evaluator and the CLI (<c>--model model.onnx</c>).
/// </summary>
/// <remarks>
/// The model is described by its sidecar JSON (<see cref="OnnxSidecar"/>). <see cref="Embed"/> is safe to call from
/// many threads at once. Tensors in and out go through TorchSharp, so this type needs libtorch like every other
/// embedder; an app that must deploy without it uses <see cref="OnnxEmbeddingModel"/> directly.
/// The fingerprint's weights hash is the SHA-256 of the ONNX file, so a gallery enrolled with a TorchSharp embedder
/// is not searched with its ONNX export (their outputs agree only within float tolerance).
/// </remarks>
public sealed class OnnxEmbedder : IEmbedder
{
    private bool _disposed;

    /// <summary>Wraps <paramref name="model"/>; the embedder owns and disposes it.</summary>
    public OnnxEmbedder(OnnxEmbeddingModel model)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
    }

    /// <summary>The ONNX Runtime model this embedder runs.</summary>
    public OnnxEmbeddingModel Model { get; }

    /// <inheritdoc />
    public string Architecture => Model.Sidecar.Architecture;

    /// <inheritdoc />
    public ImagePreprocessing Preprocessing => Model.Preprocessing;

    /// <inheritdoc />
    public int EmbeddingSize => Model.EmbeddingSize;

    /// <inheritdoc />
    /// <remarks>Always the CPU: ONNX Runtime's CPU execution provider runs the model.</remarks>
    public Device Device => CPU;

    /// <summary>Loads the ONNX model at <paramref name="modelPath"/> and its sidecar (default <c>model.onnx.json</c> beside it).</summary>
    /// <exception cref="ModelFormatException">The model or sidecar is missing, invalid or does not fit; the message names the file.</exception>
    public static OnnxEmbedder Load(string modelPath, string? sidecarPath = null) =>
        new(OnnxEmbeddingModel.Load(modelPath, sidecarPath));

    /// <inheritdoc />
    public Tensor Embed(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(images);
        var p = Preprocessing;
        if (images.dim() != 4 || images.shape[1] != p.Channels || images.shape[2] != p.Height || images.shape[3] != p.Width)
        {
            throw new ArgumentException(
                $"Expected images of shape [N,{p.Channels},{p.Height},{p.Width}] for the ONNX model '{Model.ModelPath}'; got [{string.Join(",", images.shape)}].",
                nameof(images));
        }

        if (images.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"Expected float32 images; got {images.dtype}.", nameof(images));
        }

        int count = checked((int)images.shape[0]);
        float[] pixels;
        using (var scope = NewDisposeScope())
        {
            pixels = images.detach().cpu().contiguous().data<float>().ToArray();
        }

        float[] embeddings = Model.Embed(pixels, count);
        return tensor(embeddings, [count, EmbeddingSize]);
    }

    /// <inheritdoc />
    public EmbedderFingerprint GetFingerprint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var s = Model.Sidecar;
        string options = string.Create(CultureInfo.InvariantCulture, $"onnx;input={s.InputName};output={s.OutputName};l2={s.L2Normalize}");
        return new EmbedderFingerprint(Architecture, options, Preprocessing.ToCanonicalString(), Model.ModelSha256);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Model.Dispose();
        }
    }
}
