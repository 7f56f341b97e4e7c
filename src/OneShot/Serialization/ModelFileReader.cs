using System.Text.Json;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Verification;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>Reads a model directory (see <see cref="ModelFile"/>), turning every problem into a <see cref="ModelFormatException"/>.</summary>
internal static class ModelFileReader
{
    /// <summary>Reads and validates <c>model.json</c>; returns the raw JSON and the public metadata.</summary>
    public static (ModelJson Json, ModelMetadata Metadata) ReadMetadata(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new ModelFormatException(directory, $"Model directory '{directory}' does not exist; expected a folder holding {ModelFile.MetadataFileName} and a {ModelFile.WeightsFilePattern} file written by ModelFile.Save.");
        }

        string path = Path.Combine(directory, ModelFile.MetadataFileName);
        byte[] bytes = ReadFile(path, "model metadata");
        var json = Parse(bytes, path);
        var codec = BackboneRegistry.Find(json.Architecture)
            ?? throw new ModelFormatException(path, $"Model metadata '{path}' names the unknown architecture '{json.Architecture}'; this OneShot ({ModelFileWriter.LibraryVersion}) knows: {string.Join(", ", BackboneRegistry.Architectures)}.");
        if (json.Weights.Format != WeightsJson.TorchSharpStateDict)
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' names the weights format '{json.Weights.Format}'; expected '{WeightsJson.TorchSharpStateDict}'.");
        }

        string file = json.Weights.File;
        if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or "..")
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' names the weights file '{file}'; expected a plain file name inside the model directory.");
        }

        ModelJsonValidator.Validate(json, path);

        EmbedderOptions options;
        try
        {
            options = new EmbedderOptions
            {
                Backbone = codec.Read(json.Backbone),
                Preprocessing = PreprocessingCodec.FromJson(json.Preprocessing, directory, path),
                L2Normalize = json.L2Normalize,
            };
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' holds invalid {json.Architecture} options: {e.Message}", e);
        }

        var metadata = new ModelMetadata
        {
            FormatVersion = json.FormatVersion,
            LibraryVersion = json.LibraryVersion,
            Options = options,
            EmbeddingSize = json.EmbeddingSize,
            WeightsSha256 = json.Weights.Sha256,
            Description = json.Description,
            TrainingInfo = json.TrainingInfo ?? new Dictionary<string, string>(),
            SiameseHead = json.Siamese?.Head switch
            {
                null => null,
                "koch" => SiameseHeadKind.Koch,
                _ => SiameseHeadKind.Contrastive,
            },
        };
        return (json, metadata);
    }

    /// <summary>Loads the embedder of <paramref name="directory"/> onto <paramref name="device"/>.</summary>
    public static Embedder Load(string directory, DeviceChoice device, ImageLimits? limits = null) => LoadWithJson(directory, device, limits).Embedder;

    /// <summary>Loads the embedder of <paramref name="directory"/> and returns it with the <c>model.json</c> it was built from.</summary>
    public static (Embedder Embedder, ModelJson Json) LoadWithJson(string directory, DeviceChoice device, ImageLimits? limits = null)
    {
        var (json, metadata) = ReadMetadata(directory);
        if (limits is not null)
        {
            metadata = metadata with { Options = metadata.Options with { Preprocessing = metadata.Options.Preprocessing with { Limits = limits } } };
        }

        string path = Path.Combine(directory, json.Weights.File);
        byte[] weights = ReadFile(path, "model weights");
        if (ChecksummedFile.Verify(weights, json.Weights.Bytes, json.Weights.Sha256) is string sha)
        {
            throw new ModelFormatException(
                path,
                $"Weights file '{path}' has {weights.LongLength} bytes with SHA-256 {sha}, but {ModelFile.MetadataFileName} records {json.Weights.Bytes} bytes with SHA-256 {json.Weights.Sha256}: the weights were changed or the save was interrupted.");
        }

        var embedder = CreateWithoutTouchingRandomState(metadata.Options with { Device = device }, json, directory);
        try
        {
            using (var scope = NewDisposeScope())
            using (var loaded = StateDictReader.Read(weights, path))
            {
                StateDictLoader.CopyInto(embedder.Network, loaded, path);
            }

            if (embedder.EmbeddingSize != json.EmbeddingSize)
            {
                throw new ModelFormatException(
                    Path.Combine(directory, ModelFile.MetadataFileName),
                    $"Model metadata '{Path.Combine(directory, ModelFile.MetadataFileName)}' records embedding size {json.EmbeddingSize}, but the rebuilt {json.Architecture} network produces {embedder.EmbeddingSize}.");
            }

            ModelFileWriter.RemoveStaleTemporaries(directory);
            return (embedder, json);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds the network; its random initialisation is overwritten by the loaded weights, so the global
    /// CPU generator is restored and loading a model does not change a seeded run's random numbers. Building runs
    /// a probe input of the preprocessing size through the network; when the network cannot take that size, the
    /// libtorch error becomes a <see cref="ModelFormatException"/> naming <c>model.json</c>.
    /// </summary>
    private static Embedder CreateWithoutTouchingRandomState(EmbedderOptions options, ModelJson json, string directory)
    {
        using var state = random.get_rng_state();
        try
        {
            return Embedder.Create(options);
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException or InvalidOperationException)
        {
            string path = Path.Combine(directory, ModelFile.MetadataFileName);
            throw new ModelFormatException(
                path,
                $"Model metadata '{path}' describes a {json.Architecture} network that cannot take {json.Preprocessing.Width}x{json.Preprocessing.Height} {json.Preprocessing.Color} inputs: {FirstLine(e.Message)}",
                e);
        }
        finally
        {
            random.set_rng_state(state);
        }
    }

    private static ModelJson Parse(byte[] bytes, string path)
    {
        try
        {
            using (var document = JsonDocument.Parse(bytes))
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("formatVersion", out var version)
                    || version.ValueKind != JsonValueKind.Number
                    || !version.TryGetInt32(out int number))
                {
                    throw new ModelFormatException(path, $"Model metadata '{path}' has no integer \"formatVersion\"; expected a JSON object written by ModelFile.Save.");
                }

                if (number > ModelFile.FormatVersion || number < 1)
                {
                    throw new ModelFormatException(
                        path,
                        $"Model metadata '{path}' has format version {number}; this OneShot ({ModelFileWriter.LibraryVersion}) reads versions 1 to {ModelFile.FormatVersion}. {(number > ModelFile.FormatVersion ? "Update OneShot to load it." : string.Empty)}".TrimEnd());
                }
            }

            return JsonSerializer.Deserialize(bytes, ModelJsonContext.Default.ModelJson)
                ?? throw new ModelFormatException(path, $"Model metadata '{path}' is JSON null; expected an object.");
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"Model metadata '{path}' is not valid: {e.Message}", e);
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static byte[] ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ModelFormatException(path, $"The {what} file '{path}' was not found; a model directory holds {ModelFile.MetadataFileName} and the {ModelFile.WeightsFilePattern} file it names, written by ModelFile.Save.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"The {what} file '{path}' could not be read: {e.Message}", e);
        }
    }
}
