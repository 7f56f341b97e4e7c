using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Serialization;

/// <summary>
/// Copies a <see cref="StateDict"/> into a network after strict checks: the same keys, shapes and element
/// types as the network's own <c>state_dict()</c> (parameters and buffers such as batch-norm running statistics).
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
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(loaded);
        var expected = network.state_dict();
        var missing = expected.Keys.Where(k => !loaded.Contains(k)).ToList();
        var unexpected = loaded.Names.Where(k => !expected.ContainsKey(k)).ToList();
        var shapes = new List<string>();
        var dtypes = new List<string>();
        foreach (var (name, target) in expected)
        {
            if (!loaded.TryGet(name, out var value))
            {
                continue;
            }

            if (!target.shape.SequenceEqual(value.shape))
            {
                shapes.Add($"{name}: expected {StateDictReader.FormatShape(target.shape)} got {StateDictReader.FormatShape(value.shape)}");
            }

            if (target.dtype != value.dtype)
            {
                dtypes.Add($"{name}: expected {target.dtype} got {value.dtype}");
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

        using var noGrad = no_grad();
        foreach (var (name, target) in expected)
        {
            target.copy_(loaded[name]);
        }
    }

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
