using System.Text.Json;
using OneShot.Cli;
using OneShot.QuickStart;

namespace OneShot.Tests.Cli;

[Collection(TorchGlobalState.Name)]
public sealed class CliGalleryTests : IDisposable
{
    private static readonly string Model = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-conv4");
    private readonly string _root = TestPaths.NewTempFolder("oneshot-cli-gallery");
    private readonly string _support;
    private readonly string _query;
    private readonly string _gallery;

    public CliGalleryTests()
    {
        (_support, _query) = GlyphTask.WriteTask(_root, classes: 5, queries: 4, seed: 3);
        _gallery = Path.Combine(_root, "glyphs.gallery");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void EnrollThenClassify_Json_HasTheSchemaAndMostlyTrueLabels()
    {
        var (enrollCode, enrollOut, _) = CliRunner.Invoke("enroll", _gallery, _support, "--model", Model, "--json");
        var (code, output, error) = CliRunner.Invoke("classify", _gallery, _query, "--top", "3", "--json");

        enrollCode.Should().Be(0);
        using var enrolled = JsonDocument.Parse(enrollOut);
        enrolled.RootElement.EnumerateArray().Select(e => (e.GetProperty("label").GetString(), e.GetProperty("added").GetInt32(), e.GetProperty("total").GetInt32()))
            .Should().Equal(Enumerable.Range(1, 5).Select(c => ((string?)$"glyph-{c:00}", 1, 1)));
        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.EnumerateArray().ToList();
        rows.Should().HaveCount(20);
        foreach (var row in rows)
        {
            row.GetProperty("file").GetString().Should().StartWith(_query);
            row.GetProperty("score").GetDouble().Should().BeGreaterThanOrEqualTo(0);
            row.GetProperty("score-kind").GetString().Should().Be("distance");
            row.GetProperty("probability").GetDouble().Should().BeInRange(0, 1);
            row.GetProperty("unknown").GetBoolean().Should().BeFalse();
            var top = row.GetProperty("top").EnumerateArray().ToList();
            top.Should().HaveCount(3);
            top[0].GetProperty("label").GetString().Should().Be(row.GetProperty("label").GetString());
        }

        int right = rows.Count(r => r.GetProperty("file").GetString()!.Contains($"/{r.GetProperty("label").GetString()}/", StringComparison.Ordinal));
        right.Should().BeGreaterThanOrEqualTo(14, "the shipped model separates 5 generated glyph classes well from one example each");
    }

    [Fact]
    public void EnrollWithTta_RecordedInTheGallery_ClassifyUsesIt_OtherViewsRefused()
    {
        var (enrollCode, _, enrollError) = CliRunner.Invoke("enroll", _gallery, _support, "--model", Model, "--tta", "shifts4");
        var (code, output, error) = CliRunner.Invoke("classify", _gallery, _query, "--json");

        enrollCode.Should().Be(0, enrollError);
        var info = OneShot.Galleries.Gallery.ReadInfo(_gallery);
        info.Properties[OneShot.Embeddings.TestTimeAugmentation.GalleryPropertyName].Should().Be("shifts4");
        info.Fingerprint.Options.Should().EndWith("test-time augmentation shifts4");
        code.Should().Be(0, error + " (classify must embed through the gallery's views, or the fingerprints differ)");
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.EnumerateArray().ToList();
        rows.Should().HaveCount(20);
        rows.Count(r => r.GetProperty("file").GetString()!.Contains($"/{r.GetProperty("label").GetString()}/", StringComparison.Ordinal))
            .Should().BeGreaterThanOrEqualTo(14);

        byte[] before = File.ReadAllBytes(_gallery);
        var (mixCode, _, mixError) = CliRunner.Invoke("enroll", _gallery, _query, "--tta", "shifts8");
        mixCode.Should().NotBe(0);
        mixError.Should().Contain("--tta shifts8: the gallery").And.Contain("was enrolled with shifts4");
        File.ReadAllBytes(_gallery).Should().Equal(before);
        CliRunner.Invoke("enroll", _gallery, _query).Code.Should().Be(0, "without --tta, more images are enrolled with the gallery's own views");
    }

    [Fact]
    public void Classify_CsvAndThreshold_MarksEverythingUnknownAtZeroDistance()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        var (code, output, _) = CliRunner.Invoke("classify", _gallery, Path.Combine(_query, "glyph-01"), "--csv", "--threshold", "0");

        code.Should().Be(0);
        var lines = output.TrimEnd().Split('\n');
        lines[0].Should().Be("file,label,score,score-kind,probability,unknown,top");
        lines.Should().HaveCount(5);
        lines.Skip(1).Should().OnlyContain(l => l.Split(',')[1] == "unknown" && l.Split(',')[5] == "true");
    }

    [Fact]
    public void Enroll_CorruptImage_ExitsTwoNamingItAndLeavesTheGalleryUnchanged()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);
        byte[] before = File.ReadAllBytes(_gallery);
        string extra = Path.Combine(_root, "extra");
        Directory.CreateDirectory(Path.Combine(extra, "glyph-06"));
        File.Copy(Path.Combine(_query, "glyph-02", "1.png"), Path.Combine(extra, "glyph-06", "good.png"));
        string bad = Path.Combine(extra, "glyph-06", "bad.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);

        var (code, _, error) = CliRunner.Invoke("enroll", _gallery, extra);

        code.Should().Be(2);
        error.Should().Contain(bad);
        error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle("the message is one line");
        File.ReadAllBytes(_gallery).Should().Equal(before);
    }

    [Fact]
    public void Enroll_CorruptImageWithSkipBad_WarnsAndEnrollsTheRest()
    {
        string extra = Path.Combine(_root, "extra");
        Directory.CreateDirectory(Path.Combine(extra, "glyph-06"));
        File.Copy(Path.Combine(_query, "glyph-02", "1.png"), Path.Combine(extra, "glyph-06", "good.png"));
        string bad = Path.Combine(extra, "glyph-06", "bad.png");
        File.WriteAllBytes(bad, [1, 2, 3]);

        var (code, output, error) = CliRunner.Invoke("enroll", _gallery, _support, extra, "--model", Model, "--skip-bad");
        var (listCode, list, _) = CliRunner.Invoke("gallery", "list", _gallery, "--csv");

        code.Should().Be(0, error);
        error.Should().Contain("warning: skipped").And.Contain(bad);
        output.Should().Contain("6 images in 6 classes");
        listCode.Should().Be(0);
        list.TrimEnd().Split('\n').Should().Equal("label,examples", "glyph-01,1", "glyph-02,1", "glyph-03,1", "glyph-04,1", "glyph-05,1", "glyph-06,1");
    }

    [Fact]
    public void GalleryRemove_ThenInfo_ShowsTheRemainingClassesAndTheModel()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke("gallery", "remove", _gallery, "glyph-02", "glyph-04");
        var (infoCode, info, _) = CliRunner.Invoke("info", _gallery, "--json");

        code.Should().Be(0, error);
        infoCode.Should().Be(0);
        using var json = JsonDocument.Parse(info);
        json.RootElement.GetProperty("kind").GetString().Should().Be("gallery");
        json.RootElement.GetProperty("classes").GetInt32().Should().Be(3);
        json.RootElement.GetProperty("counts").EnumerateObject().Select(p => p.Name).Should().Equal("glyph-01", "glyph-03", "glyph-05");
        json.RootElement.GetProperty("properties").GetProperty("model").GetString().Should().Be(Path.GetFullPath(Model));
    }

    [Fact]
    public void Info_Model_PrintsArchitectureAndInput()
    {
        var (code, output, _) = CliRunner.Invoke("info", Model);

        code.Should().Be(0);
        output.Should().MatchRegex(@"architecture:\s+conv4").And.MatchRegex(@"input:\s+1x28x28").And.MatchRegex(@"embeddingSize:\s+128");
    }

    [Theory]
    [InlineData("enroll")]
    [InlineData("classify", "--top", "0")]
    [InlineData("classify", "--json", "--csv")]
    [InlineData("gallery", "remove", "nope")]
    public void BadArguments_ExitOneWithAMessage(params string[] args)
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);
        string[] full = args[0] switch
        {
            "classify" => ["classify", _gallery, _query, .. args[1..]],
            "gallery" => ["gallery", "remove", _gallery, .. args[2..]],
            _ => args,
        };

        var (code, _, error) = CliRunner.Invoke(full);

        code.Should().Be(1);
        error.Should().StartWith("error: ");
    }

    [Fact]
    public void Enroll_NewGalleryWithoutModel_ExitsOneAskingForIt()
    {
        var (code, _, error) = CliRunner.Invoke("enroll", _gallery, _support);

        code.Should().Be(1);
        error.Should().Contain("--model").And.Contain(_gallery);
        File.Exists(_gallery).Should().BeFalse();
    }

    [Fact]
    public void Classify_FolderWithoutImages_ExitsOneNamingIt()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);

        var (code, _, error) = CliRunner.Invoke("classify", _gallery, empty);

        code.Should().Be(1);
        error.Should().Contain("No images").And.Contain(empty);
    }

    [Fact]
    public void Classify_EmptyGallery_ExitsTwoSayingSo()
    {
        CliRunner.Invoke("enroll", _gallery, Path.Combine(_support, "glyph-01"), "--label", "only", "--model", Model).Code.Should().Be(0);
        CliRunner.Invoke("gallery", "remove", _gallery, "only").Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke("classify", _gallery, _query);

        code.Should().Be(2);
        error.Should().Contain("is empty").And.Contain(_gallery);
    }

    [Fact]
    public void Classify_WithAnotherModel_ExitsTwoWithTheEmbedderMismatch()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);
        string other = Path.Combine(TestPaths.RepoRoot, "models", "omniglot-background-conv4");

        var (code, _, error) = CliRunner.Invoke("classify", _gallery, _query, "--model", other);

        code.Should().Be(2);
        error.Should().Contain(_gallery).And.Contain("weights differ");
    }

    [Fact]
    public void Classify_MissingGallery_ExitsTwoNamingIt()
    {
        var (code, _, error) = CliRunner.Invoke("classify", Path.Combine(_root, "none.gallery"), _query);

        code.Should().Be(2);
        error.Should().Contain("none.gallery");
    }

    [Fact]
    public void Classify_KnnWithOneNeighbour_ClassifiesAndReportsDistances()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        var (code, output, error) = CliRunner.Invoke("classify", _gallery, _query, "--classifier", "knn", "--k", "1", "--metric", "cosine", "--json");

        code.Should().Be(0, error);
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.EnumerateArray().ToList();
        rows.Should().HaveCount(20);
        rows.Should().OnlyContain(r => r.GetProperty("score-kind").GetString() == "distance" && r.GetProperty("score").GetDouble() <= 2);
        int right = rows.Count(r => r.GetProperty("file").GetString()!.Contains($"/{r.GetProperty("label").GetString()}/", StringComparison.Ordinal));
        right.Should().BeGreaterThanOrEqualTo(14);
    }

    [Theory]
    [InlineData("finetune", "--classifier finetune fine-tunes the embedder on the support images: a gallery holds embeddings*")]
    [InlineData("siamese", "--classifier siamese needs a pair head: give --siamese-model DIR*plain embedder*")]
    [InlineData("lda", "--classifier must be one of prototype, knn, probe, cosine-head, siamese, finetune; got 'lda'.")]
    public void Classify_ClassifierThatCannotRun_ExitsOneSayingWhatIsMissing(string name, string message)
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke("classify", _gallery, _query, "--classifier", name, "--model", Model);

        code.Should().Be(1);
        error.Trim().Should().Match("error: " + message);
    }

    [Fact]
    public void Classify_OptionOfAnotherMethod_ExitsOneNamingIt()
    {
        CliRunner.Invoke("enroll", _gallery, _support, "--model", Model).Code.Should().Be(0);

        var (code, _, error) = CliRunner.Invoke("classify", _gallery, _query, "--k", "3");

        code.Should().Be(1);
        error.Should().Contain("--k and --weighting apply to --classifier knn only.");
    }
}
