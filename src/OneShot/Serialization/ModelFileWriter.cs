using System.Reflection;
using System.Text.Json;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>Writes a model directory (see <see cref="ModelFile"/>).</summary>
internal static class ModelFileWriter
{
    /// <summary>The informational version of this library, without a source-revision suffix.</summary>
    public static string LibraryVersion { get; } = ReadLibraryVersion();

    /// <summary>
    /// Saves <paramref name="embedder"/>. <paramref name="beforeCommit"/>, when given, is called with each file
    /// name after its content is written to the temporary file and before it replaces the target (a test hook
    /// for failures mid-save). <paramref name="siamese"/>, when given, is stored as the <c>siamese</c> object.
    /// </summary>
    public static void Save(
        Embedder embedder,
        string directory,
        string? description,
        IReadOnlyDictionary<string, string>? trainingInfo,
        Action<string>? beforeCommit,
        SiameseJson? siamese = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var options = embedder.Options;
        var codec = BackboneRegistry.Find(options.Backbone.Architecture)
            ?? throw new ArgumentException(
                $"Architecture '{options.Backbone.Architecture}' cannot be saved to a model file; known: {string.Join(", ", BackboneRegistry.Architectures)}.",
                nameof(embedder));

        // Fails fast on a disposed embedder, before any file is touched.
        _ = embedder.GetFingerprint();
        byte[] weights;
        using (var scope = NewDisposeScope())
        {
            weights = StateDictWriter.ToBytes(embedder.Network.state_dict());
        }

        string sha256 = ChecksummedFile.Sha256Hex(weights);
        string weightsFile = ModelFile.WeightsFileNameFor(sha256);
        var json = new ModelJson
        {
            FormatVersion = ModelFile.FormatVersion,
            LibraryVersion = LibraryVersion,
            Architecture = codec.Architecture,
            Backbone = codec.Write(options.Backbone),
            Preprocessing = PreprocessingCodec.ToJson(options.Preprocessing),
            L2Normalize = options.L2Normalize,
            EmbeddingSize = embedder.EmbeddingSize,
            Weights = new WeightsJson
            {
                File = weightsFile,
                Format = WeightsJson.TorchSharpStateDict,
                Bytes = weights.Length,
                Sha256 = sha256,
            },
            Description = description,
            TrainingInfo = trainingInfo is null ? null : new Dictionary<string, string>(trainingInfo, StringComparer.Ordinal),
            Siamese = siamese,
        };
        byte[] metadata = JsonSerializer.SerializeToUtf8Bytes(json, ModelJsonContext.Default.ModelJson);

        // The new weights go under their own (hash) name, so the model.json in place keeps pointing at intact
        // weights until it is itself replaced: that rename is the single commit point of the save.
        Directory.CreateDirectory(directory);
        WriteFile(Path.Combine(directory, weightsFile), weights, beforeCommit);
        PreprocessingCodec.WriteFiles(options.Preprocessing, directory, beforeCommit);
        WriteFile(Path.Combine(directory, ModelFile.MetadataFileName), metadata, beforeCommit);
        DeleteStaleWeights(directory, weightsFile);
        RemoveStaleTemporaries(directory);
    }

    /// <summary>Deletes the temporary files that interrupted saves left in <paramref name="directory"/> for <c>model.json</c> or a weights file.</summary>
    public static void RemoveStaleTemporaries(string directory) =>
        AtomicFile.RemoveStaleTemporaries(
            directory,
            name => name == ModelFile.MetadataFileName || (name.StartsWith("weights-", StringComparison.Ordinal) && name.EndsWith(".bin", StringComparison.Ordinal)));

    /// <summary>Deletes weights files of earlier saves (best effort: a leftover file is harmless).</summary>
    private static void DeleteStaleWeights(string directory, string current)
    {
        foreach (string path in Directory.EnumerateFiles(directory, ModelFile.WeightsFilePattern))
        {
            if (Path.GetFileName(path) != current && File.Exists(path))
            {
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    /// <summary>The JSON form of a colour mode.</summary>
    public static string ColorName(ColorMode color) => color switch
    {
        ColorMode.Grayscale => "grayscale",
        ColorMode.Rgb => "rgb",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "Unknown colour mode."),
    };

    private static void WriteFile(string path, byte[] content, Action<string>? beforeCommit) =>
        AtomicFile.Write(path, stream =>
        {
            stream.Write(content);
            beforeCommit?.Invoke(Path.GetFileName(path));
        });

    private static string ReadLibraryVersion()
    {
        var assembly = typeof(ModelFileWriter).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        return version is null ? "unknown" : version.Split('+')[0];
    }
}
