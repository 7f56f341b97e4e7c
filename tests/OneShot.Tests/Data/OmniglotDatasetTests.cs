using System.IO.Compression;
using OneShot.Data;
using TorchSharp;
using Xunit.Abstractions;

namespace OneShot.Tests.Data;

[Trait("Category", TestPaths.SharedDataTrait)]
public sealed class OmniglotDatasetTests : IClassFixture<OmniglotFixture>
{
    private readonly OmniglotFixture _fixture;
    private readonly ITestOutputHelper _output;

    public OmniglotDatasetTests(OmniglotFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Theory]
    [InlineData(OmniglotSplit.Background, 964)]
    [InlineData(OmniglotSplit.Evaluation, 659)]
    public void Open_OfficialSet_HasAllCharactersWith20ImagesEach(OmniglotSplit split, int characters)
    {
        OmniglotDataset dataset = _fixture.Get(split);
        _output.WriteLine($"{split}: {dataset.ImageCount} images decoded in {dataset.LoadTime.TotalSeconds:F2} s");

        dataset.Classes.Should().HaveCount(characters);
        dataset.CharacterCount.Should().Be(characters);
        dataset.ImageCount.Should().Be(characters * 20);
        Enumerable.Range(0, characters).Select(dataset.CountOf).Should().AllSatisfy(n => n.Should().Be(20));
        dataset.Classes.Should().AllSatisfy(c => c.Should().MatchRegex(@"^[^/]+/character\d\d$"));
        dataset.ItemShape.Should().Be((1, 28, 28));
    }

    [Theory]
    [InlineData(OmniglotSplit.Train, "train.txt", 4112)]
    [InlineData(OmniglotSplit.Val, "val.txt", 688)]
    [InlineData(OmniglotSplit.Test, "test.txt", 1692)]
    [InlineData(OmniglotSplit.TrainVal, "trainval.txt", 4800)]
    public void ListClasses_VinyalsSplit_GivesTheSplitLines(OmniglotSplit split, string file, int lines)
    {
        string[] listed = File.ReadAllLines(Path.Combine(TestPaths.Omniglot, "splits", "vinyals", file));

        IReadOnlyList<string> classes = OmniglotDataset.ListClasses(TestPaths.Omniglot, new OmniglotOptions { Split = split });

        listed.Should().HaveCount(lines);
        classes.Should().Equal(listed);
    }

    // Train and Val are subsets of TrainVal; loading TrainVal and Test decodes every character once each.
    [Theory]
    [InlineData(OmniglotSplit.Test, "test.txt", 1692)]
    [InlineData(OmniglotSplit.TrainVal, "trainval.txt", 4800)]
    public void Open_VinyalsSplit_HasOneClassPerLine(OmniglotSplit split, string file, int lines)
    {
        string[] listed = File.ReadAllLines(Path.Combine(TestPaths.Omniglot, "splits", "vinyals", file));

        OmniglotDataset dataset = _fixture.Get(split);
        _output.WriteLine($"{split}: {dataset.Classes.Count} classes, {dataset.ImageCount} images decoded in {dataset.LoadTime.TotalSeconds:F2} s");

        listed.Should().HaveCount(lines);
        dataset.Classes.Should().Equal(listed);
        dataset.CharacterCount.Should().Be(lines / 4);
        dataset.ImageCount.Should().Be(lines / 4 * 20);
        dataset.ItemCount.Should().Be(lines * 20);
    }

    [Fact]
    public void Load_BackgroundImage_Is28x28WithInkHighOnZeroBackground()
    {
        OmniglotDataset dataset = _fixture.Get(OmniglotSplit.Background);

        using var images = dataset.Load(0, [0, 19]);

        images.shape.Should().Equal(2, 1, 28, 28);
        float[] v = images.data<float>().ToArray();
        v.Should().AllSatisfy(p => p.Should().BeInRange(0f, 1f));
        v.Max().Should().BeGreaterThan(0.9f, "ink is 1 after inversion");
        v.Count(p => p == 0f).Should().BeGreaterThan(v.Length / 2, "most of the page is background, 0 after inversion");
        v.Count(p => p > 0f && p < 1f).Should().BeGreaterThan(0, "the antialiased resize leaves grey edges");
    }

    [Fact]
    public void Load_RotationClasses_AreRot000TurnedCounterClockwise()
    {
        OmniglotDataset dataset = _fixture.Get(OmniglotSplit.Test);
        int rot000 = dataset.Classes.ToList().IndexOf("Gurmukhi/character42/rot000");
        rot000.Should().BeGreaterThanOrEqualTo(0);

        using var upright = dataset.Load(rot000, [3]);
        for (int k = 1; k < 4; k++)
        {
            dataset.Classes[rot000 + k].Should().Be($"Gurmukhi/character42/rot{k * 90:000}");
            using var rotated = dataset.Load(rot000 + k, [3]);
            using var expected = upright.rot90(k, (2, 3));

            rotated.data<float>().ToArray().Should().Equal(expected.data<float>().ToArray());
            rotated.data<float>().ToArray().Should().NotEqual(upright.data<float>().ToArray());
        }
    }

    [Fact]
    public void Open_ExtractedFolderWithoutInvert_EqualsOneMinusZipImages()
    {
        string root = TestPaths.NewTempFolder();
        using (ZipArchive zip = ZipFile.OpenRead(Path.Combine(TestPaths.Omniglot, "images_background.zip")))
        {
            foreach (ZipArchiveEntry entry in zip.Entries.Where(e => e.FullName.StartsWith("images_background/Greek/character0", StringComparison.Ordinal) && e.Name.Length > 0))
            {
                string target = Path.Combine(root, entry.FullName);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                entry.ExtractToFile(target);
            }
        }

        OmniglotDataset folder = OmniglotDataset.Open(root, new OmniglotOptions { Split = OmniglotSplit.Background, Invert = false });
        OmniglotDataset zipped = _fixture.Get(OmniglotSplit.Background);

        folder.Classes.Should().Equal(Enumerable.Range(1, 9).Select(i => $"Greek/character0{i}"));
        folder.ClassGroups.Should().HaveCount(9).And.OnlyContain(g => g == "Greek");
        zipped.ClassGroups.Distinct().Should().HaveCount(30, "the background set has 30 alphabets");
        OmniglotDataset.AlphabetOf("Greek/character01/rot090").Should().Be("Greek");
        int zipIndex = zipped.Classes.ToList().IndexOf("Greek/character01");
        using var a = folder.Load(0, [0, 5, 19]);
        using var b = zipped.Load(zipIndex, [0, 5, 19]);
        using var sum = a + b;
        sum.data<float>().ToArray().Should().AllSatisfy(p => p.Should().BeApproximately(1f, 1e-6f));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void Load_ManyThreads_EqualSerialLoads()
    {
        OmniglotDataset dataset = _fixture.Get(OmniglotSplit.Evaluation);
        float[][] serial = Enumerable.Range(0, 32).Select(c => { using var t = dataset.Load(c, [0, 1, 2]); return t.data<float>().ToArray(); }).ToArray();

        float[][] parallel = new float[32][];
        Parallel.For(0, 32, new ParallelOptions { MaxDegreeOfParallelism = 8 }, c =>
        {
            using var t = dataset.Load(c, [0, 1, 2]);
            parallel[c] = t.data<float>().ToArray();
        });

        for (int c = 0; c < 32; c++)
        {
            parallel[c].Should().Equal(serial[c]);
        }
    }
}
