using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OneShot.Data;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;

namespace OneShot.Onnx;

/// <summary>
/// An ONNX image-embedding model run by ONNX Runtime on <c>float[]</c>: image files or preprocessed pixels in,
/// embeddings out. It needs no TorchSharp native library (libtorch), so an app that uses only this type,
/// <see cref="ImageLoader"/> and <see cref="ManagedPrototypeClassifier"/> deploys without it.
/// </summary>
/// <remarks>
/// The model is described by its sidecar JSON (<see cref="OnnxSidecar"/>): the input and output names, the
/// preprocessing, and whether outputs are scaled to unit length. Loading checks the names and the input shape
/// against the model and runs it once to learn the embedding length. <see cref="Embed(ReadOnlySpan{float}, int)"/>
/// is safe to call from many threads at once. Models with a fixed batch size (for example 1) are run in batches of
/// that size; models with a dynamic batch in batches of up to 64 images.
/// </remarks>
public sealed class OnnxEmbeddingModel : IDisposable
{
    private const int MaxBatch = 64;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _batchSize;
    private readonly ImageLoader _loader;
    private readonly RunOptions _runOptions = new();

    private OnnxEmbeddingModel(string modelPath, string sidecarPath, OnnxSidecar sidecar, InferenceSession session)
    {
        ModelPath = modelPath;
        SidecarPath = sidecarPath;
        Sidecar = sidecar;
        _session = session;
        _inputNames = [sidecar.InputName];
        _outputNames = [sidecar.OutputName];
        _loader = new ImageLoader(sidecar.Preprocessing);
        _batchSize = CheckInput();
        EmbeddingSize = MeasureEmbeddingSize();
        using var stream = File.OpenRead(modelPath);
        ModelSha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>The ONNX file.</summary>
    public string ModelPath { get; }

    /// <summary>The sidecar JSON file describing the model.</summary>
    public string SidecarPath { get; }

    /// <summary>What the sidecar says: names, preprocessing, normalisation.</summary>
    public OnnxSidecar Sidecar { get; }

    /// <summary>How image files become the model input.</summary>
    public ImagePreprocessing Preprocessing => Sidecar.Preprocessing;

    /// <summary>The number of values of one preprocessed image: channels x height x width.</summary>
    public int ValuesPerImage => _loader.ValuesPerImage;

    /// <summary>The length D of each embedding.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The SHA-256 of the ONNX file, lower-case hex.</summary>
    public string ModelSha256 { get; }

    /// <summary>
    /// Loads the ONNX model at <paramref name="modelPath"/> described by <paramref name="sidecarPath"/>
    /// (default: <see cref="OnnxSidecarFile.PathFor"/>(<paramref name="modelPath"/>)).
    /// </summary>
    /// <param name="modelPath">The <c>.onnx</c> file.</param>
    /// <param name="sidecarPath">The sidecar JSON; default <c>model.onnx.json</c> beside the model.</param>
    /// <param name="sessionOptions">ONNX Runtime session options (threads, optimisation level); default ONNX Runtime's.</param>
    /// <exception cref="ModelFormatException">
    /// The model or sidecar is missing or invalid, the sidecar's input or output name is not one of the model's,
    /// or the model's input shape does not fit the preprocessing. The message names the file.
    /// </exception>
    public static OnnxEmbeddingModel Load(string modelPath, string? sidecarPath = null, SessionOptions? sessionOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        sidecarPath ??= OnnxSidecarFile.PathFor(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new ModelFormatException(modelPath, $"The ONNX model '{modelPath}' was not found; expected an .onnx file.");
        }

        var sidecar = OnnxSidecarFile.Read(sidecarPath);
        InferenceSession session;
        try
        {
            session = sessionOptions is null ? new InferenceSession(modelPath) : new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException(modelPath, $"ONNX Runtime cannot load '{modelPath}': {e.Message}", e);
        }

        try
        {
            return new OnnxEmbeddingModel(modelPath, sidecarPath, sidecar, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Loads and preprocesses the image file at <paramref name="path"/> and returns its embedding.</summary>
    /// <exception cref="ImageDecodeException">The file cannot be decoded.</exception>
    public float[] EmbedFile(string path) => Embed(_loader.LoadPixels(path), 1);

    /// <summary>
    /// Embeds <paramref name="count"/> preprocessed images laid out one after another (<c>[N,C,H,W]</c>, each
    /// <see cref="ValuesPerImage"/> values) and returns <c>N x D</c> values, row by row.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="images"/> does not hold <paramref name="count"/> images.</exception>
    public float[] Embed(ReadOnlySpan<float> images, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int per = ValuesPerImage;
        if (images.Length != (long)count * per)
        {
            var p = Preprocessing;
            throw new ArgumentException(
                $"Expected {count} images of {p.Channels}x{p.Height}x{p.Width} = {(long)count * per} values for '{ModelPath}'; got {images.Length}.",
                nameof(images));
        }

        float[] result = new float[(long)count * EmbeddingSize];
        int step = _batchSize > 0 ? _batchSize : MaxBatch;
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            Run(images.Slice(start * per, n * per), n, result.AsSpan(start * EmbeddingSize, n * EmbeddingSize));
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private void Run(ReadOnlySpan<float> images, int count, Span<float> destination)
    {
        var p = Preprocessing;
        float[] input = images.ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, p.Channels, p.Height, p.Width]);
        using var outputs = _session.Run(_runOptions, _inputNames, [value], _outputNames);
        var output = outputs[0];
        long[] shape = output.GetTensorTypeAndShape().Shape;
        ReadOnlySpan<float> values = output.GetTensorDataAsSpan<float>();
        if (shape.Length == 0 || shape[0] != count || values.Length != destination.Length)
        {
            throw new ModelFormatException(ModelPath,
                $"The ONNX model '{ModelPath}' output '{Sidecar.OutputName}' has shape [{string.Join(",", shape)}] for {count} image(s); expected [{count},{EmbeddingSize}] (or [{count},{EmbeddingSize},1,1]).");
        }

        values.CopyTo(destination);
        if (Sidecar.L2Normalize)
        {
            for (int i = 0; i < count; i++)
            {
                VectorMath.NormalizeInPlace(destination.Slice(i * EmbeddingSize, EmbeddingSize));
            }
        }
    }

    /// <summary>Checks the sidecar's names and the input shape against the model; returns its fixed batch size, or 0 when dynamic.</summary>
    private int CheckInput()
    {
        if (!_session.InputMetadata.TryGetValue(Sidecar.InputName, out var input))
        {
            throw new ModelFormatException(SidecarPath,
                $"The ONNX sidecar '{SidecarPath}' names input '{Sidecar.InputName}', but the model '{ModelPath}' has input(s) {Names(_session.InputMetadata.Keys)}.");
        }

        if (!_session.OutputMetadata.ContainsKey(Sidecar.OutputName))
        {
            throw new ModelFormatException(SidecarPath,
                $"The ONNX sidecar '{SidecarPath}' names output '{Sidecar.OutputName}', but the model '{ModelPath}' has output(s) {Names(_session.OutputMetadata.Keys)}.");
        }

        var p = Preprocessing;
        int[] dims = input.Dimensions;
        bool fits = input.IsTensor && input.ElementDataType == TensorElementType.Float && dims.Length == 4
            && Fits(dims[1], p.Channels) && Fits(dims[2], p.Height) && Fits(dims[3], p.Width);
        if (!fits)
        {
            throw new ModelFormatException(SidecarPath,
                $"The ONNX model '{ModelPath}' input '{Sidecar.InputName}' is {input.ElementDataType} [{string.Join(",", dims)}]; the sidecar '{SidecarPath}' preprocessing gives float [N,{p.Channels},{p.Height},{p.Width}].");
        }

        return dims[0] > 0 ? dims[0] : 0;
    }

    private int MeasureEmbeddingSize()
    {
        int probe = _batchSize > 0 ? _batchSize : 1;
        var p = Preprocessing;
        float[] zeros = new float[probe * ValuesPerImage];
        using var value = OrtValue.CreateTensorValueFromMemory(zeros, [probe, p.Channels, p.Height, p.Width]);
        long[] shape;
        try
        {
            using var outputs = _session.Run(_runOptions, _inputNames, [value], _outputNames);
            shape = outputs[0].GetTensorTypeAndShape().Shape;
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelFormatException(ModelPath, $"ONNX Runtime cannot run '{ModelPath}' on a [{probe},{p.Channels},{p.Height},{p.Width}] input: {e.Message}", e);
        }

        long size = shape.Length < 2 || shape[0] != probe ? -1 : shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        if (size <= 0 || (shape.Length > 2 && shape.Skip(2).Any(d => d != 1)))
        {
            throw new ModelFormatException(ModelPath,
                $"The ONNX model '{ModelPath}' output '{Sidecar.OutputName}' has shape [{string.Join(",", shape)}]; expected an embedding per image, [N,D] or [N,D,1,1].");
        }

        if (Sidecar.EmbeddingSize is int expected && expected != size)
        {
            throw new ModelFormatException(SidecarPath,
                $"The ONNX sidecar '{SidecarPath}' says embeddingSize {expected}, but the model '{ModelPath}' outputs {size} values per image.");
        }

        return (int)size;
    }

    private static bool Fits(int modelDim, int expected) => modelDim <= 0 || modelDim == expected;

    private static string Names(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}
