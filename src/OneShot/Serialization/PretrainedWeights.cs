using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Imports pretrained weights into a network for transfer learning: a safetensors file or a file in
/// TorchSharp's state-dict format (<c>Module.save</c>, or PyTorch weights exported with TorchSharp's
/// <c>exportsd.py</c>). Keys can be renamed or skipped; loading is strict unless the options relax it.
/// </summary>
/// <remarks>
/// The whole file is read and checked against the network before anything is copied, so a failed import leaves
/// the network unchanged. Floating-point tensors are converted to the network's precision (F16, BF16 and F64 to
/// F32) and integer tensors to the network's integer type; shapes must match exactly.
/// </remarks>
public static class PretrainedWeights
{
    /// <summary>Loads the weights file <paramref name="path"/> into <paramref name="network"/>.</summary>
    /// <param name="network">The network to fill; its <c>state_dict()</c> keys are the network keys.</param>
    /// <param name="path">The weights file.</param>
    /// <param name="options">Format, key mapping and leniency; default strict with the format detected from the file.</param>
    /// <returns>The keys loaded, skipped and left missing.</returns>
    /// <exception cref="StateDictMismatchException">Keys are missing or unexpected, or shapes or element types differ; the message names the file and lists every difference.</exception>
    /// <exception cref="SafetensorsFormatException">A safetensors file breaks the format.</exception>
    /// <exception cref="ModelFormatException">The file is missing, unreadable or damaged.</exception>
    /// <exception cref="ArgumentException"><see cref="PretrainedWeightsOptions.NameMap"/> maps two file keys to one network key, or returns an empty key.</exception>
    public static ImportReport Load(nn.Module network, string path, PretrainedWeightsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new PretrainedWeightsOptions();
        using var scope = NewDisposeScope();
        var stream = SafetensorsReader.OpenFile(path, "pretrained");
        PretrainedWeightsFormat format;
        StateDict loaded;
        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        using (stream)
        {
            format = Detect(options.Format, path, stream);
            if (format == PretrainedWeightsFormat.Safetensors)
            {
                using var reader = SafetensorsReader.Open(stream, path);
                metadata = reader.Metadata;
                loaded = reader.ReadAll();
            }
            else
            {
                loaded = StateDictReader.Read(stream, path);
            }
        }

        using (loaded)
        {
            var (entries, skipped) = Map(loaded, path, options);
            var rules = new StateDictLoadRules
            {
                ConvertElementTypes = true,
                MayBeMissing = key => options.IgnoreMissing || KeyPattern.MatchesAny(options.AllowMissingKeys, key),
                MayBeUnexpected = _ => options.IgnoreUnexpected,
            };
            var result = StateDictLoader.CopyInto(network, entries, path, rules);
            skipped.UnionWith(result.Skipped);
            return new ImportReport
            {
                FilePath = path,
                Format = format,
                LoadedKeys = result.Loaded,
                SkippedKeys = loaded.Names.Where(skipped.Contains).ToList(),
                MissingKeys = result.Missing,
                Metadata = metadata,
            };
        }
    }

    /// <summary>Loads the weights file <paramref name="path"/> into the network of <paramref name="embedder"/>.</summary>
    /// <param name="embedder">The embedder whose <see cref="Embedder.Network"/> is filled.</param>
    /// <param name="path">The weights file.</param>
    /// <param name="options">Format, key mapping and leniency; default strict with the format detected from the file.</param>
    /// <returns>The keys loaded, skipped and left missing.</returns>
    /// <exception cref="StateDictMismatchException">Keys are missing or unexpected, or shapes or element types differ; the message names the file and lists every difference.</exception>
    /// <exception cref="SafetensorsFormatException">A safetensors file breaks the format.</exception>
    /// <exception cref="ModelFormatException">The file is missing, unreadable or damaged.</exception>
    /// <exception cref="ArgumentException"><see cref="PretrainedWeightsOptions.NameMap"/> maps two file keys to one network key, or returns an empty key.</exception>
    public static ImportReport Load(Embedder embedder, string path, PretrainedWeightsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        return Load(embedder.Network, path, options);
    }

    private static PretrainedWeightsFormat Detect(PretrainedWeightsFormat requested, string path, FileStream stream)
    {
        if (requested != PretrainedWeightsFormat.Auto)
        {
            return requested;
        }

        return string.Equals(Path.GetExtension(path), SafetensorsReader.FileExtension, StringComparison.OrdinalIgnoreCase)
            || SafetensorsReader.LooksLikeSafetensors(stream)
            ? PretrainedWeightsFormat.Safetensors
            : PretrainedWeightsFormat.TorchSharpStateDict;
    }

    /// <summary>Applies <see cref="PretrainedWeightsOptions.SkipKeys"/> and <see cref="PretrainedWeightsOptions.NameMap"/>.</summary>
    private static (List<StateDictEntry> Entries, HashSet<string> Skipped) Map(StateDict loaded, string path, PretrainedWeightsOptions options)
    {
        var entries = new List<StateDictEntry>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string fileKey in loaded.Names)
        {
            string? key = KeyPattern.MatchesAny(options.SkipKeys, fileKey) ? null
                : options.NameMap is null ? fileKey
                : options.NameMap(fileKey);
            if (key is null)
            {
                skipped.Add(fileKey);
                continue;
            }

            if (key.Length == 0)
            {
                throw new ArgumentException($"NameMap returned an empty network key for '{fileKey}' of weights file '{path}'; return null to skip a key.", nameof(options));
            }

            if (!sources.TryAdd(key, fileKey))
            {
                throw new ArgumentException($"NameMap maps both '{sources[key]}' and '{fileKey}' of weights file '{path}' to the network key '{key}'; each network key can be loaded from one file key only.", nameof(options));
            }

            entries.Add(new StateDictEntry(key, loaded[fileKey], fileKey));
        }

        return (entries, skipped);
    }
}
