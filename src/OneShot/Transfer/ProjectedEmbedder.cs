using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Serialization;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// A base embedder followed by a learned linear projection and L2 normalisation: <c>normalize(W · base(x))</c>.
/// The projection is trained on cached base embeddings (<see cref="ProjectionTrainer"/>), so a pretrained network
/// (ImageNet ResNet-18, an ONNX model) is adapted to a domain in minutes without touching its weights.
/// </summary>
/// <remarks>
/// <para>
/// Saved as a folder holding <c>projection.json</c> and the matrix (<c>projection-*.bin</c>, float32, SHA-256 in the
/// JSON); the base model is referenced, never copied: by a path relative to the folder, an absolute path or a
/// pretrained model's name such as <see cref="PretrainedModels.ImageNetResNet18Name"/>. Loading checks that the base
/// gives embeddings of the projection's input size and, when the base's weights hash was recorded, that it is the
/// same network the projection was trained on.
/// </para>
/// <para><see cref="Embed"/> is as thread-safe as the base's.</para>
/// </remarks>
public sealed class ProjectedEmbedder : IEmbedder
{
    /// <summary>The file that marks a projection folder.</summary>
    public const string MetadataFileName = "projection.json";

    private const int FormatVersion = 1;

    /// <summary>The format version written when the base's last blocks were tuned (readers of version 1 must refuse it).</summary>
    private const int TunedFormatVersion = 2;

    /// <summary>The format version written when the projection centres its input or re-pools its base (older readers must refuse it).</summary>
    private const int CenteredOrPooledFormatVersion = 3;

    /// <summary>The format version written when the base's images are cut to their content (older readers must refuse it).</summary>
    private const int ContentCropFormatVersion = 4;
    private readonly float[] _weight;
    private readonly Tensor _weightT;
    private readonly float[]? _mean;
    private readonly Tensor? _meanT;
    private readonly string? _meanSha256;
    private readonly bool _ownsBase;
    private readonly string _weightsSha256;
    private byte[]? _tunedBaseWeights;
    private string? _untunedBaseSha256;
    private bool _disposed;

    /// <summary>
    /// Wraps <paramref name="baseEmbedder"/> with the projection <paramref name="weight"/>: <c>normalize(W · base(x))</c>,
    /// or <c>normalize(W · (base(x) − inputMean))</c> when a mean is given.
    /// </summary>
    /// <param name="baseEmbedder">The embedder whose output is projected.</param>
    /// <param name="weight">The matrix, row-major <c>[outputSize, base.EmbeddingSize]</c>; copied.</param>
    /// <param name="outputSize">Rows of <paramref name="weight"/>: the embedding length of this embedder.</param>
    /// <param name="ownsBase">True to dispose the base with this embedder.</param>
    /// <param name="inputMean">The mean subtracted from every base embedding (<c>base.EmbeddingSize</c> values; copied), or empty (the default) for none.</param>
    /// <exception cref="ArgumentException">The matrix does not have <c>outputSize × base.EmbeddingSize</c> finite values, or the mean is neither empty nor <c>base.EmbeddingSize</c> finite values.</exception>
    public ProjectedEmbedder(IEmbedder baseEmbedder, ReadOnlySpan<float> weight, int outputSize, bool ownsBase = false, ReadOnlySpan<float> inputMean = default)
    {
        ArgumentNullException.ThrowIfNull(baseEmbedder);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        int inputSize = baseEmbedder.EmbeddingSize;
        if (weight.Length != (long)outputSize * inputSize)
        {
            throw new ArgumentException($"The projection needs {outputSize} x {inputSize} = {(long)outputSize * inputSize} values for a base of {inputSize}-d embeddings; got {weight.Length}.", nameof(weight));
        }

        foreach (float w in weight)
        {
            if (!float.IsFinite(w))
            {
                throw new ArgumentException("The projection holds a NaN or infinite value.", nameof(weight));
            }
        }

        if (!inputMean.IsEmpty)
        {
            if (inputMean.Length != inputSize)
            {
                throw new ArgumentException($"The input mean needs {inputSize} values for a base of {inputSize}-d embeddings; got {inputMean.Length}.", nameof(inputMean));
            }

            foreach (float m in inputMean)
            {
                if (!float.IsFinite(m))
                {
                    throw new ArgumentException("The input mean holds a NaN or infinite value.", nameof(inputMean));
                }
            }

            _mean = inputMean.ToArray();
            _meanSha256 = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(_mean.AsSpan())));
            _meanT = tensor(_mean);
        }

        Base = baseEmbedder;
        EmbeddingSize = outputSize;
        _weight = weight.ToArray();
        _ownsBase = ownsBase;
        _weightsSha256 = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(_weight.AsSpan())));
        using var matrix = tensor(_weight, [outputSize, inputSize]);
        _weightT = matrix.t().contiguous();
    }

    /// <summary>
    /// The embedder a training run produced: the projection of <paramref name="trained"/> on <paramref name="baseEmbedder"/>,
    /// and, when the run also tuned the base's last blocks (<see cref="TunedTailTrainer"/>), on a copy of the base with
    /// those blocks replaced (the given base is not changed). <see cref="Save"/> then stores the tuned blocks beside the
    /// projection and still references the untuned base.
    /// </summary>
    /// <param name="baseEmbedder">The base the run was trained on.</param>
    /// <param name="trained">The training result.</param>
    /// <param name="ownsBase">True to dispose <paramref name="baseEmbedder"/> with this embedder.</param>
    /// <exception cref="ArgumentException">The tuned blocks do not fit the base (it is not an <see cref="Embedder"/>, or keys or shapes differ).</exception>
    public static ProjectedEmbedder Create(IEmbedder baseEmbedder, ProjectionTrainingResult trained, bool ownsBase = false)
    {
        ArgumentNullException.ThrowIfNull(baseEmbedder);
        ArgumentNullException.ThrowIfNull(trained);
        if (trained.TunedBaseWeights is null)
        {
            return new ProjectedEmbedder(baseEmbedder, trained.Weight, trained.OutputSize, ownsBase, trained.InputMean ?? []);
        }

        if (baseEmbedder is not Embedder network)
        {
            throw new ArgumentException($"Tuned blocks need a TorchSharp base embedder; got {baseEmbedder.GetType().Name}.", nameof(baseEmbedder));
        }

        string untuned = network.GetFingerprint().WeightsSha256;
        var copy = network.Clone();
        try
        {
            ApplyTunedBase(copy, trained.TunedBaseWeights, "the training result");
            var result = new ProjectedEmbedder(copy, trained.Weight, trained.OutputSize, ownsBase: true, trained.InputMean ?? [])
            {
                _tunedBaseWeights = (byte[])trained.TunedBaseWeights.Clone(),
                _untunedBaseSha256 = untuned,
            };
            if (ownsBase)
            {
                baseEmbedder.Dispose();
            }

            return result;
        }
        catch (ModelFormatException e)
        {
            copy.Dispose();
            throw new ArgumentException($"The tuned blocks do not fit the base: {e.Message}", nameof(trained), e);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <summary>Whether the base's last blocks were tuned with the projection (they are stored with it).</summary>
    public bool HasTunedBase => _tunedBaseWeights is not null;

    /// <summary>The embedder whose output is projected (with its tuned blocks applied when <see cref="HasTunedBase"/>).</summary>
    public IEmbedder Base { get; }

    /// <summary>The base's embedding length: the projection's input size.</summary>
    public int InputSize => Base.EmbeddingSize;

    /// <inheritdoc />
    public string Architecture => Base.Architecture + "+projection";

    /// <inheritdoc />
    public ImagePreprocessing Preprocessing => Base.Preprocessing;

    /// <inheritdoc />
    public int EmbeddingSize { get; }

    /// <inheritdoc />
    public Device Device => Base.Device;

    /// <summary>The projection matrix, row-major <c>[EmbeddingSize, InputSize]</c> (a copy).</summary>
    public float[] GetWeight() => (float[])_weight.Clone();

    /// <summary>The mean subtracted from every base embedding before projecting (a copy), or null when the input is not centred.</summary>
    public float[]? GetInputMean() => (float[]?)_mean?.Clone();

    /// <summary>Whether <paramref name="folder"/> holds a saved projection (<see cref="MetadataFileName"/>).</summary>
    public static bool IsProjectionFolder(string folder) =>
        !string.IsNullOrEmpty(folder) && File.Exists(Path.Combine(folder, MetadataFileName));

    /// <inheritdoc />
    public Tensor Embed(Tensor images)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        return ProjectNormalized(Base.Embed(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Projects embeddings the base already computed, <c>[N, InputSize]</c> → <c>[N, EmbeddingSize]</c>, L2-normalised.</summary>
    /// <param name="features">Base embeddings on the CPU.</param>
    /// <exception cref="ArgumentException">The features do not have <see cref="InputSize"/> columns.</exception>
    public Tensor Project(Tensor features)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.shape[1] != InputSize)
        {
            throw new ArgumentException($"Expected base embeddings [N, {InputSize}]; got [{string.Join(", ", features.shape)}].", nameof(features));
        }

        using var scope = NewDisposeScope();
        return ProjectNormalized(features).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public EmbedderFingerprint GetFingerprint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var b = Base.GetFingerprint();
        string combined = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(b.WeightsSha256 + ":" + _weightsSha256 + (_meanSha256 is null ? "" : ":" + _meanSha256))));
        return new EmbedderFingerprint(Architecture, $"{b.Options}; projection {InputSize}->{EmbeddingSize}{(_mean is null ? "" : ", centred")}, l2", b.Preprocessing, combined);
    }

    /// <summary>
    /// Writes <see cref="MetadataFileName"/> and the matrix into <paramref name="folder"/> (created if needed; each file
    /// written atomically). Refuses a folder that already holds a different model or projection.
    /// </summary>
    /// <param name="folder">The projection folder.</param>
    /// <param name="baseReference">How loading finds the base: a pretrained model's name, an absolute path, or a path relative to <paramref name="folder"/>.</param>
    /// <param name="description">Free text.</param>
    /// <param name="trainingInfo">Free-form facts about training.</param>
    /// <exception cref="IOException">The folder already holds a model.json or another projection.</exception>
    public void Save(string folder, string baseReference, string? description = null, IReadOnlyDictionary<string, string>? trainingInfo = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(baseReference);
        if (File.Exists(Path.Combine(folder, ModelFile.MetadataFileName)))
        {
            throw new IOException($"'{folder}' holds a model ({ModelFile.MetadataFileName}); a projection goes into its own folder (nothing was written).");
        }

        string weightsFile = $"projection-{_weightsSha256[..16]}.bin";
        string metadataPath = Path.Combine(folder, MetadataFileName);
        float? contentCrop = Base is Embedder network ? network.Preprocessing.ContentCropMargin : null;
        if (File.Exists(metadataPath) && ReadJson(metadataPath) is var existing
            && (existing.Weights.File != weightsFile || existing.InputMean?.Sha256 != _meanSha256 || existing.BaseContentCropMargin != contentCrop))
        {
            throw new IOException($"'{folder}' already holds a different projection; choose another folder (nothing was overwritten).");
        }

        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllBytes(Path.Combine(folder, weightsFile), MemoryMarshal.AsBytes(_weight.AsSpan()));
        ProjectionWeightsJson? tuned = null;
        if (_tunedBaseWeights is not null)
        {
            string sha = ChecksummedFile.Sha256Hex(_tunedBaseWeights);
            tuned = new ProjectionWeightsJson { File = $"tuned-base-{sha[..16]}.bin", Sha256 = sha };
            AtomicFile.WriteAllBytes(Path.Combine(folder, tuned.File), _tunedBaseWeights);
        }

        ProjectionWeightsJson? mean = null;
        if (_mean is not null)
        {
            mean = new ProjectionWeightsJson { File = $"mean-{_meanSha256![..16]}.bin", Sha256 = _meanSha256 };
            AtomicFile.WriteAllBytes(Path.Combine(folder, mean.File), MemoryMarshal.AsBytes(_mean.AsSpan()));
        }

        string? pooling = Base is Embedder { Options.Backbone: ResNet18Options resnet } && !StagePooling.IsDefault(resnet.Pooling)
            ? StagePooling.FormatList(resnet.Pooling)
            : null;
        var json = new ProjectionJson
        {
            FormatVersion = contentCrop is not null ? ContentCropFormatVersion
                : mean is not null || pooling is not null ? CenteredOrPooledFormatVersion
                : tuned is null ? FormatVersion : TunedFormatVersion,
            InputMean = mean,
            BasePooling = pooling,
            BaseContentCropMargin = contentCrop,
            Base = baseReference,
            BaseArchitecture = Base.Architecture,
            BaseWeightsSha256 = _untunedBaseSha256 ?? Base.GetFingerprint().WeightsSha256,
            TunedBase = tuned,
            InputSize = InputSize,
            OutputSize = EmbeddingSize,
            Weights = new ProjectionWeightsJson { File = weightsFile, Sha256 = _weightsSha256 },
            Description = description,
            TrainingInfo = trainingInfo?.ToDictionary(p => p.Key, p => p.Value),
        };
        AtomicFile.WriteAllText(metadataPath, JsonSerializer.Serialize(json, ModelJsonContext.Default.ProjectionJson));
        DirectorySync.Flush(folder);
    }

    /// <summary>
    /// Loads a projection folder, resolving its base with <paramref name="loadBase"/> (given the resolved path, or the
    /// name when the reference is not a path that exists).
    /// </summary>
    /// <param name="folder">A folder written by <see cref="Save"/>.</param>
    /// <param name="loadBase">Loads the base model; the returned embedder is owned (disposed) by the result.</param>
    /// <param name="checkBaseWeights">False to accept a base whose weights hash differs from the recorded one (for example the same network run by ONNX Runtime).</param>
    /// <exception cref="ModelFormatException">The folder, its JSON or its matrix is missing or invalid, or the base does not match.</exception>
    public static ProjectedEmbedder Load(string folder, Func<string, IEmbedder> loadBase, bool checkBaseWeights = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentNullException.ThrowIfNull(loadBase);
        string path = Path.Combine(folder, MetadataFileName);
        if (!File.Exists(path))
        {
            throw new ModelFormatException(path, $"'{folder}' is not a projection folder: {MetadataFileName} is missing.");
        }

        var json = ReadJson(path);
        string weightsPath = FileInFolder(folder, path, json.Weights.File, "the matrix file");

        if (json.InputSize < 1 || json.OutputSize < 1 || (long)json.InputSize * json.OutputSize > 1L << 26)
        {
            throw new ModelFormatException(path, $"'{path}' declares a {json.OutputSize} x {json.InputSize} projection; expected sizes of at least 1 and at most 2^26 values.");
        }

        long expected = 4L * json.InputSize * json.OutputSize;
        if (!File.Exists(weightsPath) || new FileInfo(weightsPath).Length != expected)
        {
            throw new ModelFormatException(weightsPath, $"Projection matrix '{weightsPath}' is missing or not {expected} bytes ({json.OutputSize} x {json.InputSize} float32).");
        }

        byte[] bytes = ReadVerified(weightsPath, json.Weights.Sha256, "Projection matrix");
        var weight = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        float[] mean = [];
        if (json.InputMean is { } meanFile)
        {
            string meanPath = FileInFolder(folder, path, meanFile.File, "the input mean file");
            if (!File.Exists(meanPath) || new FileInfo(meanPath).Length != 4L * json.InputSize)
            {
                throw new ModelFormatException(meanPath, $"Input mean '{meanPath}' is missing or not {4L * json.InputSize} bytes ({json.InputSize} float32).");
            }

            mean = MemoryMarshal.Cast<byte, float>(ReadVerified(meanPath, meanFile.Sha256, "Input mean")).ToArray();
        }

        IReadOnlyList<StagePooling>? pooling = null;
        if (json.BasePooling is { } poolingText)
        {
            try
            {
                pooling = StagePooling.ParseList(poolingText);
            }
            catch (FormatException e)
            {
                throw new ModelFormatException(path, $"Projection metadata '{path}' has an invalid basePooling '{poolingText}': {e.Message}", e);
            }
        }

        string reference = json.Base;
        string candidate = Path.IsPathRooted(reference) ? reference : Path.GetFullPath(Path.Combine(folder, reference));
        IEmbedder baseEmbedder;
        try
        {
            baseEmbedder = loadBase(Directory.Exists(candidate) || File.Exists(candidate) ? candidate : reference);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException(path, $"The base model '{reference}' of projection '{folder}' could not be loaded: {e.Message}", e);
        }

        try
        {
            if (pooling is not null)
            {
                if (baseEmbedder is not Embedder { Options.Backbone: ResNet18Options } network)
                {
                    throw new ModelFormatException(path, $"Projection '{folder}' re-pools its base ({json.BasePooling}), which needs a ResNet-18 model; '{reference}' loaded as {baseEmbedder.Architecture}.");
                }

                var pooled = PretrainedModels.WithPooling(network, pooling);
                baseEmbedder.Dispose();
                baseEmbedder = pooled;
            }

            if (json.BaseContentCropMargin is { } margin)
            {
                if (baseEmbedder is not Embedder network || margin is not (>= 0f and <= 0.45f))
                {
                    throw new ModelFormatException(path, $"Projection '{folder}' cuts its base's images to their content (margin {margin}), which needs a TorchSharp model and a margin from 0 to 0.45; '{reference}' loaded as {baseEmbedder.GetType().Name}.");
                }

                var cropped = PretrainedModels.WithContentCrop(network, margin);
                baseEmbedder.Dispose();
                baseEmbedder = cropped;
            }

            if (baseEmbedder.EmbeddingSize != json.InputSize)
            {
                throw new ModelFormatException(path, $"The base model '{reference}' gives {baseEmbedder.EmbeddingSize}-d embeddings; projection '{folder}' was trained on {json.InputSize}-d ones.");
            }

            if (checkBaseWeights && json.BaseWeightsSha256 is { Length: > 0 } recorded && baseEmbedder.GetFingerprint().WeightsSha256 != recorded)
            {
                throw new ModelFormatException(path, $"The base model '{reference}' is not the network projection '{folder}' was trained on (weights sha256 {Short(baseEmbedder.GetFingerprint().WeightsSha256)}, expected {Short(recorded)}).");
            }

            byte[]? tunedBytes = null;
            if (json.TunedBase is { } tuned)
            {
                tunedBytes = ReadTunedBase(folder, path, tuned);
                if (baseEmbedder is not Embedder tunable)
                {
                    throw new ModelFormatException(path, $"Projection '{folder}' tunes blocks of its base, which needs a TorchSharp model; '{reference}' loaded as {baseEmbedder.GetType().Name}.");
                }

                ApplyTunedBase(tunable, tunedBytes, Path.Combine(folder, tuned.File));
            }

            return new ProjectedEmbedder(baseEmbedder, weight, json.OutputSize, ownsBase: true, mean)
            {
                _tunedBaseWeights = tunedBytes,
                _untunedBaseSha256 = tunedBytes is null ? null : json.BaseWeightsSha256,
            };
        }
        catch (Exception e) when (e is ModelFormatException or ArgumentException)
        {
            baseEmbedder.Dispose();
            throw e as ModelFormatException ?? new ModelFormatException(weightsPath, $"Projection matrix '{weightsPath}' is invalid: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads a projection folder whose base is a model folder, another projection folder, or a pretrained model's name
    /// (<see cref="PretrainedModels.ImageNetResNet18Name"/>, built once in <paramref name="pretrainedCacheFolder"/> from its
    /// NuGet package, as <see cref="PretrainedModels.ImageNetResNet18(string, PretrainedModelOptions?)"/> does).
    /// </summary>
    /// <param name="folder">A folder written by <see cref="Save"/>.</param>
    /// <param name="pretrainedCacheFolder">Where pretrained bases are kept.</param>
    /// <param name="options">Device and download options for a pretrained base; defaults when null.</param>
    /// <exception cref="ModelFormatException">The folder or its base is missing or invalid, or the base does not match.</exception>
    public static ProjectedEmbedder LoadWithPretrainedCache(string folder, string pretrainedCacheFolder, PretrainedModelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pretrainedCacheFolder);
        return Load(folder, Resolve);

        IEmbedder Resolve(string reference) =>
            IsProjectionFolder(reference) ? Load(reference, Resolve)
            : reference == PretrainedModels.ImageNetResNet18Name && !Directory.Exists(reference) ? PretrainedModels.ImageNetResNet18(pretrainedCacheFolder, options)
            : ModelFile.Load(reference, options?.Device ?? DeviceChoice.Auto);
    }

    /// <summary>The whole <c>projection.json</c> of <paramref name="folder"/>, read and version-checked without loading anything (for <c>oneshot info</c>).</summary>
    /// <exception cref="ModelFormatException">The JSON is missing or invalid.</exception>
    internal static ProjectionJson ReadMetadata(string folder) => ReadJson(Path.Combine(folder, MetadataFileName));

    /// <summary>Reads the base reference and sizes of a projection folder without loading anything.</summary>
    /// <exception cref="ModelFormatException">The JSON is missing or invalid.</exception>
    public static (string Base, int InputSize, int OutputSize, string? Description) ReadInfo(string folder)
    {
        var json = ReadMetadata(folder);
        return (json.Base, json.InputSize, json.OutputSize, json.Description);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _weightT.Dispose();
        _meanT?.Dispose();
        if (_ownsBase)
        {
            Base.Dispose();
        }
    }

    /// <summary><c>normalize(features · Wᵀ)</c> in the current dispose scope.</summary>
    private Tensor ProjectNormalized(Tensor features)
    {
        var x = features.to(ScalarType.Float32);
        return nn.functional.normalize((_meanT is null ? x : x - _meanT).matmul(_weightT), p: 2, dim: 1);
    }

    /// <summary>Copies tuned blocks (a state dict whose keys are some of the network's) into <paramref name="target"/>.</summary>
    private static void ApplyTunedBase(Embedder target, byte[] bytes, string source)
    {
        using var loaded = StateDictReader.Read(bytes, source);
        if (loaded.Count == 0)
        {
            throw new ModelFormatException(source, $"The tuned base blocks '{source}' hold no tensors.");
        }

        var entries = loaded.Names.Select(name => new StateDictEntry(name, loaded[name], name)).ToList();
        StateDictLoader.CopyInto(target.Network, entries, source, new StateDictLoadRules { MayBeMissing = static _ => true });
        target.NotifyWeightsChanged();
    }

    private static byte[] ReadTunedBase(string folder, string metadataPath, ProjectionWeightsJson tuned)
    {
        string tunedPath = FileInFolder(folder, metadataPath, tuned.File, "the tuned base file");
        if (!File.Exists(tunedPath))
        {
            throw new ModelFormatException(tunedPath, $"Tuned base blocks '{tunedPath}' named in {MetadataFileName} are missing.");
        }

        return ReadVerified(tunedPath, tuned.Sha256, "Tuned base blocks");
    }

    /// <summary>The path of <paramref name="file"/>, named by the metadata, inside <paramref name="folder"/>; refuses anything but a plain file name.</summary>
    private static string FileInFolder(string folder, string metadataPath, string file, string role)
    {
        if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or "..")
        {
            throw new ModelFormatException(metadataPath, $"'{metadataPath}' names {role} '{file}'; expected a plain file name inside the folder.");
        }

        return Path.Combine(folder, file);
    }

    /// <summary>The bytes of <paramref name="filePath"/>, refused unless their SHA-256 is the one the metadata records.</summary>
    private static byte[] ReadVerified(string filePath, string sha256, string description)
    {
        byte[] bytes = File.ReadAllBytes(filePath);
        if (ChecksummedFile.Sha256Hex(bytes) != sha256)
        {
            throw new ModelFormatException(filePath, $"{description} '{filePath}' does not match the SHA-256 in {MetadataFileName}; the file is corrupt or was replaced.");
        }

        return bytes;
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    private static ProjectionJson ReadJson(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"Cannot read projection metadata '{path}': {e.Message}", e);
        }

        ProjectionJson? json;
        try
        {
            json = JsonSerializer.Deserialize(bytes, ModelJsonContext.Default.ProjectionJson);
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"Projection metadata '{path}' is not valid: {e.Message}", e);
        }

        if (json is null)
        {
            throw new ModelFormatException(path, $"Projection metadata '{path}' is empty (null).");
        }

        bool centredOrPooled = json.InputMean is not null || json.BasePooling is not null;
        bool cropped = json.BaseContentCropMargin is not null;
        bool known = json.FormatVersion switch
        {
            FormatVersion => json.TunedBase is null && !centredOrPooled && !cropped,
            TunedFormatVersion => json.TunedBase is not null && !centredOrPooled && !cropped,
            CenteredOrPooledFormatVersion => centredOrPooled && !cropped,
            ContentCropFormatVersion => cropped,
            _ => false,
        };
        if (!known)
        {
            throw new ModelFormatException(path, $"Projection metadata '{path}' has format version {json.FormatVersion}{(json.TunedBase is null ? "" : " with tuned base blocks")}{(centredOrPooled ? " with an input mean or base pooling" : "")}{(cropped ? " with a base content crop" : "")}; this OneShot reads version {FormatVersion}, {TunedFormatVersion} with tuned base blocks, {CenteredOrPooledFormatVersion} with an input mean or base pooling, and {ContentCropFormatVersion} with a base content crop.");
        }

        if (string.IsNullOrEmpty(json.Base))
        {
            throw new ModelFormatException(path, $"Projection metadata '{path}' names no base model.");
        }

        return json;
    }
}
