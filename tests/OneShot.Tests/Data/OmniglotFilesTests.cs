using OneShot.Data.Downloads;
using OneShot.Data;

namespace OneShot.Tests.Data;

public sealed class OmniglotFilesTests
{
    [Fact]
    public void Archives_AreTheOfficialUrlsWithDocumentedSizeAndMd5()
    {
        OmniglotFiles.Background.Url.Should().Be(new Uri("https://github.com/brendenlake/omniglot/raw/master/python/images_background.zip"));
        OmniglotFiles.Background.Size.Should().Be(9_464_212);
        OmniglotFiles.Background.Md5.Should().Be("68d2efa1b9178cc56df9314c21c6e718");
        OmniglotFiles.Evaluation.Url.Should().Be(new Uri("https://github.com/brendenlake/omniglot/raw/master/python/images_evaluation.zip"));
        OmniglotFiles.Evaluation.Size.Should().Be(6_462_886);
        OmniglotFiles.Evaluation.Md5.Should().Be("6b91aef0f799c5bb55b94e3f2daec811");
        OmniglotFiles.All.Select(f => f.FileName).Should().Equal(
            "images_background.zip", "images_evaluation.zip",
            "splits/vinyals/train.txt", "splits/vinyals/val.txt", "splits/vinyals/test.txt", "splits/vinyals/trainval.txt");
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public async Task VinyalsSplits_ChecksumsAndSizesMatchTheSharedVerbatimCopies()
    {
        foreach (RemoteFile split in OmniglotFiles.VinyalsSplits)
        {
            string local = Path.Combine(TestPaths.Omniglot, split.FileName);
            (await DatasetDownloader.VerifyAsync(split, local, CancellationToken.None)).Should().BeNull(split.FileName);
        }
    }

    [Theory]
    [InlineData("../x.zip")]
    [InlineData("/etc/x.zip")]
    [InlineData("a/./b.zip")]
    public void RemoteFile_FileNameLeavingTheFolder_Throws(string fileName)
    {
        var act = () => new RemoteFile(new Uri("https://example.org/x.zip"), fileName, md5: new string('a', 32));

        act.Should().Throw<ArgumentException>().WithMessage($"*'{fileName}'*");
    }

    [Fact]
    public void RemoteFile_WithoutChecksum_Throws()
    {
        var act = () => new RemoteFile(new Uri("https://example.org/x.zip"), "x.zip");

        act.Should().Throw<ArgumentException>().WithMessage("*SHA-256 or MD5*");
    }
}
