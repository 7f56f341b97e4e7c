using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// The weights version of each embedder's network, keyed by the network module itself, so a library path that only
/// holds the module (loading a state dict into it, restoring a checkpoint) can still announce that its weights
/// changed. <see cref="Embedder"/> registers its network; every other module is ignored.
/// </summary>
internal static class WeightsVersions
{
    private static readonly ConditionalWeakTable<nn.Module, StrongBox<long>> Versions = new();

    /// <summary>The version counter of <paramref name="network"/>, created at 0 on the first call.</summary>
    public static StrongBox<long> Register(nn.Module network) => Versions.GetValue(network, static _ => new StrongBox<long>());

    /// <summary>
    /// Records that the weights or buffers of <paramref name="network"/> changed (a no-op for a network no embedder
    /// owns). The next <see cref="Embedder.Embed"/> rebuilds its inference copy.
    /// </summary>
    public static void Bump(nn.Module network)
    {
        if (Versions.TryGetValue(network, out var version))
        {
            Interlocked.Increment(ref version.Value);
        }
    }
}
