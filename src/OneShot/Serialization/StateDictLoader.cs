using System.Text;
using OneShot.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Copies a <see cref="StateDict"/> into a network after checks against the network's own <c>state_dict()</c>
/// (parameters and buffers such as batch-norm running statistics): by default strict (the same keys, shapes and
/// element types, how model files load); <see cref="StateDictLoadRules"/> relax it for pretrained imports.
/// </summary>
internal static class StateDictLoader
{
    /// <summary>
    /// Checks <paramref name="loaded"/> against <paramref name="network"/> and copies every tensor in,
    /// without recording gradients. Nothing is copied when any check fails.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="loaded">The tensors read from <paramref name="source"/>.</param>
    /// <param name="source">The weights file, named in errors.</param>
    /// <exception cref="StateDictMismatchException">Keys, shapes or element types differ; the message lists all of them.</exception>
    public static void CopyInto(nn.Module network, StateDict loaded, string source)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        var entries = loaded.Names.Select(name => new StateDictEntry(name, loaded[name], name)).ToList();
        CopyInto(network, entries, source, StateDictLoadRules.Strict);
    }

    /// <summary>
    /// Checks <paramref name="entries"/> against <paramref name="network"/> under <paramref name="rules"/> and copies
    /// every matching tensor in, without recording gradients. Nothing is copied when any check fails.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="entries">The tensors to load, each with the network key it goes to; keys must be distinct.</param>
    /// <param name="source">The weights file, named in errors.</param>
    /// <param name="rules">Which differences are allowed.</param>
    /// <exception cref="StateDictMismatchException">Keys, shapes or element types differ; the message lists all of them.</exception>
    public static StateDictLoadResult CopyInto(nn.Module network, IReadOnlyList<StateDictEntry> entries, string source, StateDictLoadRules rules)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(rules);
        var expected = network.state_dict();
        var byKey = entries.ToDictionary(e => e.Key, StringComparer.Ordinal);
        var absent = expected.Keys.Where(k => !byKey.ContainsKey(k)).ToList();
        var extra = entries.Where(e => !expected.ContainsKey(e.Key)).ToList();
        var missing = absent.Where(k => !rules.MayBeMissing(k)).ToList();
        var unexpected = extra.Where(e => !rules.MayBeUnexpected(e.FileKey)).Select(e => e.Describe()).ToList();
        var shapes = new List<string>();
        var dtypes = new List<string>();
        var loaded = new List<string>();
        foreach (var (name, target) in expected)
        {
            if (!byKey.TryGetValue(name, out var entry))
            {
                continue;
            }

            loaded.Add(name);
            var value = entry.Value;
            if (!target.shape.SequenceEqual(value.shape))
            {
                shapes.Add($"{entry.Describe()}: expected {StateDictReader.FormatShape(target.shape)} got {StateDictReader.FormatShape(value.shape)}");
            }

            if (target.dtype != value.dtype && !(rules.ConvertElementTypes && Convertible(value.dtype, target.dtype)))
            {
                dtypes.Add($"{entry.Describe()}: expected {target.dtype} got {value.dtype}");
            }
        }

        if (missing.Count + unexpected.Count + shapes.Count + dtypes.Count > 0)
        {
            throw new StateDictMismatchException(
                source,
                Describe(network, source, missing, unexpected, shapes, dtypes),
                missing,
                unexpected,
                shapes,
                dtypes);
        }

        using (no_grad())
        {
            foreach (string name in loaded)
            {
                expected[name].copy_(byKey[name].Value);
            }
        }

        WeightsVersions.Bump(network);

        return new StateDictLoadResult(loaded, absent, extra.Select(e => e.FileKey).ToList());
    }

    /// <summary>Whether a <paramref name="from"/> tensor may be converted into a <paramref name="to"/> parameter without changing its meaning.</summary>
    private static bool Convertible(ScalarType from, ScalarType to) =>
        (IsFloatingPoint(from) && IsFloatingPoint(to)) || (IsInteger(from) && IsInteger(to));

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    private static bool IsInteger(ScalarType type) =>
        type is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64;

    private static string Describe(
        nn.Module network,
        string source,
        List<string> missing,
        List<string> unexpected,
        List<string> shapes,
        List<string> dtypes)
    {
        var text = new StringBuilder();
        text.Append("Weights file '").Append(source).Append("' does not fit the ").Append(network.GetName()).Append(" network:");
        AppendList(text, "missing keys", missing);
        AppendList(text, "unexpected keys", unexpected);
        AppendList(text, "shape mismatches", shapes);
        AppendList(text, "dtype mismatches", dtypes);
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, List<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        text.AppendLine().Append("  ").Append(title).Append(" (").Append(items.Count).Append("):");
        foreach (string item in items)
        {
            text.AppendLine().Append("    ").Append(item);
        }
    }
}
