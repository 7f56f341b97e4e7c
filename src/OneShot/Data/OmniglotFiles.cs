using OneShot.Data.Downloads;
namespace OneShot.Data;

/// <summary>
/// The official Omniglot downloads (Lake et al., github.com/brendenlake/omniglot) and the Vinyals split lists
/// (github.com/jakesnell/prototypical-networks, pinned commit), laid out as <see cref="OmniglotDataset.Open"/> reads them.
/// Download them with <c>new DatasetDownloader(http).DownloadAllAsync(OmniglotFiles.All, root)</c>.
/// </summary>
internal static class OmniglotFiles
{
    private const string SplitsCommit = "c9bb4d258267c11cb6e23f0a19242d24ca98ad8a";

    /// <summary><c>images_background.zip</c>: 964 characters of 30 alphabets (9,464,212 bytes; the official MD5).</summary>
    public static RemoteFile Background { get; } = new(
        new Uri("https://github.com/brendenlake/omniglot/raw/master/python/images_background.zip"),
        "images_background.zip",
        md5: "68d2efa1b9178cc56df9314c21c6e718")
    { Size = 9_464_212 };

    /// <summary><c>images_evaluation.zip</c>: 659 characters of 20 alphabets (6,462,886 bytes; the official MD5).</summary>
    public static RemoteFile Evaluation { get; } = new(
        new Uri("https://github.com/brendenlake/omniglot/raw/master/python/images_evaluation.zip"),
        "images_evaluation.zip",
        md5: "6b91aef0f799c5bb55b94e3f2daec811")
    { Size = 6_462_886 };

    /// <summary>The Vinyals split lists <c>splits/vinyals/{train,val,test,trainval}.txt</c>, with their SHA-256.</summary>
    public static IReadOnlyList<RemoteFile> VinyalsSplits { get; } =
    [
        Split("train", "984522c194c30fb678ce53304a160a42faf5403ad4f9a67010f32dd3a35738e0", 133_244),
        Split("val", "11f99e54faee3e26f53d3231c1cceac5bf7b8730e9be31cb6dab256551dc0c1a", 21_312),
        Split("test", "845264cc5c156180828ccf17915668b17ee21424d0170df6e7d81676aa5d1204", 50_372),
        Split("trainval", "5276ae50c755596d0bff7f2284e85625695549a85ee6e36b6491ad1e5d1cc26a", 154_556),
    ];

    /// <summary>Everything <see cref="OmniglotDataset"/> needs: both archives and the four split lists.</summary>
    public static IReadOnlyList<RemoteFile> All { get; } = [Background, Evaluation, .. VinyalsSplits];

    private static RemoteFile Split(string name, string sha256, long size) => new(
        new Uri($"https://raw.githubusercontent.com/jakesnell/prototypical-networks/{SplitsCommit}/data/omniglot/splits/vinyals/{name}.txt"),
        $"splits/vinyals/{name}.txt",
        sha256: sha256)
    { Size = size };
}
