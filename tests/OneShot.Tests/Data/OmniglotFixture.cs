using System.Collections.Concurrent;
using OneShot.Data;

namespace OneShot.Tests.Data;

/// <summary>Loads each shared Omniglot split at most once for all tests of a class (loading decodes thousands of images).</summary>
public sealed class OmniglotFixture
{
    private readonly ConcurrentDictionary<OmniglotSplit, Lazy<OmniglotDataset>> _datasets = new();

    /// <summary>The dataset of <paramref name="split"/> from ../shared/data/omniglot, with default options.</summary>
    public OmniglotDataset Get(OmniglotSplit split) =>
        _datasets.GetOrAdd(split, s => new Lazy<OmniglotDataset>(() => OmniglotDataset.Open(TestPaths.Omniglot, new OmniglotOptions { Split = s }))).Value;
}
