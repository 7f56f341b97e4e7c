using OneShot.Embeddings;
using OneShot.Galleries;
using TorchSharp;
using static OneShot.Tests.Classification.TestTensors;
using static TorchSharp.torch;

namespace OneShot.Tests.Galleries;

[Collection(TorchGlobalState.Name)]
public sealed class GalleryPersistenceTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-gallery");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SaveThenLoad_RandomEmbeddings_RoundTripIsBitExact()
    {
        var embedder = new FlattenEmbedder();
        using var gallery = new Gallery(embedder);
        using var a = randn(3, 4, generator: new Generator(1));
        using var b = randn(2, 4, generator: new Generator(2)).mul(1e-30);
        using var c = tensor(new[] { float.Epsilon, -0f, float.MaxValue, -1.5f });
        gallery.EnrollEmbeddings("a", a);
        gallery.EnrollEmbeddings("b ünïcödé", b);
        gallery.EnrollEmbeddings("a", c);
        string path = Path.Combine(_folder, "g.gallery");

        gallery.Save(path);
        using var loaded = Gallery.Load(path, embedder);

        loaded.Labels.Should().Equal("a", "b ünïcödé");
        loaded.Counts.Should().Equal(gallery.Counts);
        loaded.Fingerprint.Should().Be(embedder.GetFingerprint());
        foreach (string label in gallery.Labels)
        {
            using var before = gallery.GetEmbeddings(label);
            using var after = loaded.GetEmbeddings(label);
            Bits(after).Should().Equal(Bits(before));
        }

        string again = Path.Combine(_folder, "again.gallery");
        loaded.Save(again);
        File.ReadAllBytes(again).Should().Equal(File.ReadAllBytes(path));
    }

    [Fact]
    public void SaveThenLoad_AllLabelsRemoved_RoundTripsAnEmptyGallery()
    {
        var embedder = new FlattenEmbedder();
        using var gallery = new Gallery(embedder);
        using var a = randn(2, 4, generator: new Generator(1));
        gallery.EnrollEmbeddings("a", a);
        gallery.Remove("a").Should().BeTrue();
        string path = Path.Combine(_folder, "empty.gallery");

        gallery.Save(path);
        using var loaded = Gallery.Load(path, embedder);

        loaded.Count.Should().Be(0);
        loaded.Labels.Should().BeEmpty();
        loaded.EnrollEmbeddings("b", a);
        loaded.Labels.Should().Equal("b");
    }

    [Fact]
    public void Load_RealConv4WithDifferentSeed_ThrowsEmbedderMismatchNamingBothAndFile()
    {
        manual_seed(1);
        using var saved = Embedder.Create();
        manual_seed(2);
        using var other = Embedder.Create();
        using var gallery = new Gallery(saved);
        using var images = rand(2, 1, 28, 28, generator: new Generator(3));
        gallery.Enroll("x", images);
        string path = Path.Combine(_folder, "conv4.gallery");
        gallery.Save(path);

        var act = () => Gallery.Load(path, other);

        var error = act.Should().Throw<EmbedderMismatchException>().Which;
        error.FilePath.Should().Be(path);
        error.Found.Should().Be(saved.GetFingerprint());
        error.Expected.Should().Be(other.GetFingerprint());
        error.Message.Should().Contain(path).And.Contain("(weights differ)")
            .And.Contain(saved.GetFingerprint().WeightsSha256).And.Contain(other.GetFingerprint().WeightsSha256);
        using var reloaded = Gallery.Load(path, saved);
        reloaded.Count.Should().Be(2);
    }

    [Fact]
    public void Load_DifferentPreprocessing_ThrowsEmbedderMismatch()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var row = Rows([1, 2, 3, 4]);
        gallery.EnrollEmbeddings("a", row);
        string path = Path.Combine(_folder, "g.gallery");
        gallery.Save(path);

        var act = () => Gallery.Load(path, new FlattenEmbedder(height: 1, width: 4));

        act.Should().Throw<EmbedderMismatchException>().WithMessage("*(options, preprocessing differ)*");
    }

    [Theory]
    [InlineData("flip-byte-in-embeddings", "*corrupt: the SHA-256 checksum*")]
    [InlineData("flip-byte-in-checksum", "*corrupt: the SHA-256 checksum*")]
    [InlineData("truncate", "*truncated or corrupt*")]
    [InlineData("truncate-to-header", "*truncated*")]
    [InlineData("wrong-magic", "*is not a OneShot gallery*")]
    [InlineData("newer-version", "*format version 4, newer than this OneShot reads (up to 3)*")]
    [InlineData("empty", "*is not a OneShot gallery*")]
    public void Load_DamagedFile_ThrowsGalleryFormatExceptionNamingFile(string damage, string message)
    {
        string path = SaveSmallGallery();
        byte[] bytes = File.ReadAllBytes(path);
        bytes = damage switch
        {
            "flip-byte-in-embeddings" => Flip(bytes, bytes.Length - 32 - 3),
            "flip-byte-in-checksum" => Flip(bytes, bytes.Length - 1),
            "truncate" => bytes[..^10],
            "truncate-to-header" => bytes[..20],
            "wrong-magic" => Flip(bytes, 1),
            "newer-version" => Flip(bytes, 8, 4),
            "empty" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        File.WriteAllBytes(path, bytes);

        var act = () => Gallery.Load(path, new FlattenEmbedder());

        act.Should().Throw<GalleryFormatException>().WithMessage(message)
            .Which.FilePath.Should().Be(path);
        act.Should().Throw<GalleryFormatException>().Which.Message.Should().Contain(path);
    }

    [Fact]
    public void Save_WriteFailsMidway_LeavesPreviousFileByteIdentical()
    {
        string path = SaveSmallGallery();
        byte[] before = File.ReadAllBytes(path);
        using var bigger = new Gallery(new FlattenEmbedder());
        using var rows = randn(100, 4);
        bigger.EnrollEmbeddings("many", rows);

        var act = () => bigger.Save(path, stream => new FailingStream(stream, failAfterBytes: 200));

        act.Should().Throw<IOException>().WithMessage("Injected failure*");
        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(_folder).Should().Equal(path);
        using var loaded = Gallery.Load(path, new FlattenEmbedder());
        loaded.Labels.Should().Equal("a", "b");
    }

    [Fact]
    public void Save_EmbedderWeightsChangedSinceCreation_ThrowsAndWritesNothing()
    {
        var embedder = new FlattenEmbedder();
        using var gallery = new Gallery(embedder);
        using var row = Rows([1, 2, 3, 4]);
        gallery.EnrollEmbeddings("a", row);
        embedder.WeightsSha256 = "retrained";
        string path = Path.Combine(_folder, "g.gallery");

        var act = () => gallery.Save(path);

        act.Should().Throw<InvalidOperationException>().WithMessage("The embedder changed since this gallery was created*retrained*");
        File.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void SaveThenLoad_Properties_RoundTripAndReadInfoListsThem()
    {
        var embedder = new FlattenEmbedder();
        using var gallery = new Gallery(embedder);
        using var a = Rows([1, 2, 3, 4], [5, 6, 7, 8]);
        using var b = Rows([-1, -2, -3, -4]);
        gallery.EnrollEmbeddings("b", b);
        gallery.EnrollEmbeddings("a", a);
        gallery.SetProperty("model", "/models/omniglot-conv4");
        gallery.SetProperty("note", "ünïcödé");
        gallery.SetProperty("gone", "x");
        gallery.SetProperty("gone", null);
        string path = Path.Combine(_folder, "props.gallery");

        gallery.Save(path);
        using var loaded = Gallery.Load(path, embedder);
        var info = Gallery.ReadInfo(path);

        loaded.Properties.Should().Equal(new Dictionary<string, string> { ["model"] = "/models/omniglot-conv4", ["note"] = "ünïcödé" });
        info.Properties.Should().Equal(loaded.Properties);
        info.Counts.Should().Equal(new KeyValuePair<string, int>("b", 1), new KeyValuePair<string, int>("a", 2));
        info.Count.Should().Be(3);
        info.EmbeddingSize.Should().Be(4);
        info.Fingerprint.Should().Be(embedder.GetFingerprint());
    }

    [Fact]
    public void Load_Version1File_ReadsWithoutProperties()
    {
        string path = SaveSmallGallery();
        byte[] v3 = File.ReadAllBytes(path);
        // A version 1 file is the version 3 payload without its trailing property count (0) and classifier flag (0), re-framed.
        byte[] payload = v3[20..^(32 + 4 + 1)];
        File.WriteAllBytes(path, Frame(1, payload));

        using var loaded = Gallery.Load(path, new FlattenEmbedder());

        loaded.Labels.Should().Equal("a", "b");
        loaded.Counts["a"].Should().Be(2);
        loaded.Properties.Should().BeEmpty();
        GalleryFile.Read(path).ClassifierJson.Should().BeNull();
    }

    [Fact]
    public void Load_Version2File_ReadsPropertiesWithoutClassifier()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([1, 2, 3, 4]);
        gallery.EnrollEmbeddings("a", a);
        gallery.SetProperty("model", "/m");
        string path = Path.Combine(_folder, "v2.gallery");
        gallery.Save(path);
        byte[] v3 = File.ReadAllBytes(path);
        // A version 2 file is the version 3 payload without its trailing classifier flag (0), re-framed.
        v3[^33].Should().Be(0);
        File.WriteAllBytes(path, Frame(2, v3[20..^(32 + 1)]));

        using var loaded = Gallery.Load(path, new FlattenEmbedder());

        loaded.Labels.Should().Equal("a");
        loaded.Properties.Should().Equal(new Dictionary<string, string> { ["model"] = "/m" });
        GalleryFile.Read(path).ClassifierJson.Should().BeNull();
        Gallery.ReadInfo(path).Count.Should().Be(1);
    }

    [Fact]
    public void SaveThenRead_Version3WithClassifierJson_RoundTripsIt()
    {
        string json = OneShot.Classification.ClassifierRegistry.ToJson(new OneShot.Classification.KNearestNeighborOptions { K = 3, Metric = OneShot.Classification.DistanceMetric.Cosine });
        var content = new GalleryContent(
            new FlattenEmbedder(height: 1, width: 2).GetFingerprint(),
            2,
            ["x", "y"],
            [1, 0, 1],
            [[1f, 2f], [3f, 4f], [-0f, float.Epsilon]],
            new SortedDictionary<string, string>(StringComparer.Ordinal) { ["k"] = "v" },
            json);
        string path = Path.Combine(_folder, "v3.gallery");

        GalleryFile.Save(path, content);
        var read = GalleryFile.Read(path);

        File.ReadAllBytes(path)[8].Should().Be(3);
        read.ClassifierJson.Should().Be(json);
        read.Labels.Should().Equal("x", "y");
        read.EntryLabels.Should().Equal(1, 0, 1);
        read.Vectors.SelectMany(v => v).Select(BitConverter.SingleToInt32Bits)
            .Should().Equal(new[] { 1f, 2f, 3f, 4f, -0f, float.Epsilon }.Select(BitConverter.SingleToInt32Bits));
        read.Properties.Should().Equal(content.Properties);
        read.Fingerprint.Should().Be(content.Fingerprint);
        using var loaded = Gallery.Load(path, new FlattenEmbedder(height: 1, width: 2));
        loaded.Counts.Should().Equal(new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 });
    }

    [Fact]
    public void SetProperty_EmptyKey_Throws()
    {
        using var gallery = new Gallery(new FlattenEmbedder());

        var act = () => gallery.SetProperty(" ", "x");

        act.Should().Throw<ArgumentException>().WithParameterName("key");
    }

    private string SaveSmallGallery()
    {
        using var gallery = new Gallery(new FlattenEmbedder());
        using var a = Rows([1, 2, 3, 4], [5, 6, 7, 8]);
        using var b = Rows([-1, -2, -3, -4]);
        gallery.EnrollEmbeddings("a", a);
        gallery.EnrollEmbeddings("b", b);
        string path = Path.Combine(_folder, "small.gallery");
        gallery.Save(path);
        return path;
    }

    private static byte[] Frame(uint version, byte[] payload) =>
        [.. GalleryFile.Format.Magic, .. BitConverter.GetBytes(version), .. BitConverter.GetBytes((long)payload.Length), .. payload, .. System.Security.Cryptography.SHA256.HashData(payload)];

    private static byte[] Flip(byte[] bytes, int index, byte value = 0)
    {
        byte[] copy = bytes.ToArray();
        copy[index] = value == 0 ? (byte)(copy[index] ^ 0x5A) : value;
        return copy;
    }

    private static int[] Bits(Tensor t) => Values(t).Select(BitConverter.SingleToInt32Bits).ToArray();
}
