using System.Buffers.Binary;
using System.IO.Compression;
using OneShot.Data;

namespace OneShot.Tests.Data;

public sealed class IdxDatasetTests : IDisposable
{
    private static readonly ImagePreprocessing Gray2 = new() { Width = 2, Height = 2 };

    private readonly string _root = TestPaths.NewTempFolder("oneshot-idx");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Open_GzippedFiles_GroupsImagesByLabelInFileOrder()
    {
        byte[][] images = [[0, 0, 0, 0], [255, 255, 255, 255], [0, 255, 0, 255], [51, 51, 51, 51]];
        string imagesPath = WriteImages("img.gz", images, 2, 2, gzip: true);
        string labelsPath = WriteLabels("lbl.gz", [1, 0, 1, 2], gzip: true);

        using var dataset = IdxDataset.Open(imagesPath, labelsPath, Gray2, ["zero", "one", "two"]);

        dataset.Classes.Should().Equal("zero", "one", "two");
        Enumerable.Range(0, 3).Select(dataset.CountOf).Should().Equal(1, 2, 1);
        using var ones = dataset.Load(1, [0, 1]);
        ones.data<float>().ToArray().Should().Equal(0f, 0f, 0f, 0f, 0f, 1f, 0f, 1f);
        using var two = dataset.Load(2, [0]);
        two.data<float>().ToArray().Should().OnlyContain(v => Math.Abs(v - 0.2f) < 1e-6f);
    }

    [Fact]
    public void Open_Invert_GivesDarkOnLight()
    {
        string imagesPath = WriteImages("img", [[0, 255, 0, 255]], 2, 2, gzip: false);
        string labelsPath = WriteLabels("lbl", [0], gzip: false);

        using var dataset = IdxDataset.Open(imagesPath, labelsPath, Gray2, invert: true);

        using var item = dataset.Load(0, [0]);
        item.data<float>().ToArray().Should().Equal(1f, 0f, 1f, 0f);
    }

    [Fact]
    public void Open_MaxPerClass_KeepsFirstItems()
    {
        string imagesPath = WriteImages("img", [[0, 0, 0, 0], [255, 255, 255, 255], [51, 51, 51, 51]], 2, 2, gzip: false);
        string labelsPath = WriteLabels("lbl", [0, 0, 0], gzip: false);

        using var dataset = IdxDataset.Open(imagesPath, labelsPath, Gray2, maxPerClass: 2);

        dataset.Classes.Should().Equal("0");
        dataset.CountOf(0).Should().Be(2);
    }

    [Fact]
    public void Open_LabelCountDiffers_ThrowsDatasetExceptionNamingLabelFile()
    {
        string imagesPath = WriteImages("img", [[0, 0, 0, 0], [1, 1, 1, 1]], 2, 2, gzip: false);
        string labelsPath = WriteLabels("lbl", [0], gzip: false);

        var act = () => IdxDataset.Open(imagesPath, labelsPath, Gray2);

        act.Should().Throw<DatasetException>().Where(e => e.Path == labelsPath).WithMessage("*1 labels*2 images*");
    }

    [Fact]
    public void Open_TruncatedImages_ThrowsDatasetException()
    {
        string imagesPath = WriteImages("img", [[0, 0, 0, 0], [1, 1, 1, 1]], 2, 2, gzip: false);
        File.WriteAllBytes(imagesPath, File.ReadAllBytes(imagesPath)[..^1]);
        string labelsPath = WriteLabels("lbl", [0, 0], gzip: false);

        var act = () => IdxDataset.Open(imagesPath, labelsPath, Gray2);

        act.Should().Throw<DatasetException>().WithMessage("*2 images of 2x2 but holds 7 bytes*");
    }

    [Fact]
    public void Open_LabelFileAsImages_ThrowsDatasetExceptionAboutMagic()
    {
        string labelsPath = WriteLabels("lbl", [0, 0], gzip: false);

        var act = () => IdxDataset.Open(labelsPath, labelsPath, Gray2);

        act.Should().Throw<DatasetException>().WithMessage("*not an IDX image file*0x00000803*");
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public void Open_FashionMnistTestSet_HasTenClassesOfThousand()
    {
        const string folder = "/usr/share/datasets/fashion-mnist";
        File.Exists(Path.Combine(folder, "t10k-images-idx3-ubyte.gz")).Should().BeTrue("the Debian package dataset-fashion-mnist must be installed (.ci/run installs it)");

        using var dataset = IdxDataset.Open(
            Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), new ImagePreprocessing(), IdxDataset.FashionMnistClassNames);

        dataset.Classes.Should().Equal(IdxDataset.FashionMnistClassNames);
        Enumerable.Range(0, 10).Select(dataset.CountOf).Should().OnlyContain(n => n == 1000);
    }

    private string WriteImages(string name, byte[][] images, int rows, int cols, bool gzip)
    {
        var bytes = new byte[16 + (images.Length * rows * cols)];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), images.Length);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 0; i < images.Length; i++)
        {
            images[i].CopyTo(bytes, 16 + (i * rows * cols));
        }

        return Write(name, bytes, gzip);
    }

    private string WriteLabels(string name, byte[] labels, bool gzip)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return Write(name, bytes, gzip);
    }

    private string Write(string name, byte[] bytes, bool gzip)
    {
        string path = Path.Combine(_root, name);
        using var file = File.Create(path);
        using var target = gzip ? (Stream)new GZipStream(file, CompressionLevel.Fastest) : file;
        target.Write(bytes);
        return path;
    }
}
