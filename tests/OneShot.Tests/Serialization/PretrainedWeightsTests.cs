using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

[Collection(TorchGlobalState.Name)]
public sealed class PretrainedWeightsTests : IDisposable
{
    private static readonly EmbedderOptions SmallConv4 = new() { Backbone = new Conv4Options { Widths = [4, 4, 8, 8] }, Device = DeviceChoice.Cpu };

    private readonly string _root = TestPaths.NewTempFolder("oneshot-pretrained");
    private readonly Embedder _source = ModelFixtures.CreateTrained(SmallConv4, seed: 42);
    private readonly Embedder _target = EmbedderTests.CreateSeeded(SmallConv4, seed: 7);

    public void Dispose()
    {
        _source.Dispose();
        _target.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Load_SafetensorsOfConv4StateDict_EmbedsBitIdentically()
    {
        string path = Write("conv4.safetensors", new SafetensorsTestFile { Metadata = new() { ["format"] = "pt" } }.AddStateDict(_source.Network.state_dict()));

        var report = PretrainedWeights.Load(_target, path);

        report.Format.Should().Be(PretrainedWeightsFormat.Safetensors);
        report.FilePath.Should().Be(path);
        report.LoadedKeys.Should().Equal(_target.Network.state_dict().Keys);
        report.LoadedKeys.Should().HaveCount(28).And.Contain("encoder.3.1.num_batches_tracked");
        report.SkippedKeys.Should().BeEmpty();
        report.MissingKeys.Should().BeEmpty();
        report.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt" });
        AssertSameEmbeddings();
    }

    [Fact]
    public void Load_TorchSharpFileWrittenByModuleSave_DetectedAndEmbedsBitIdentically()
    {
        string path = Path.Combine(_root, "conv4.dat");
        _source.Network.save(path);

        var report = PretrainedWeights.Load(_target.Network, path);

        report.Format.Should().Be(PretrainedWeightsFormat.TorchSharpStateDict);
        report.LoadedKeys.Should().HaveCount(28);
        AssertSameEmbeddings();
    }

    [Fact]
    public void Load_SafetensorsWithoutExtension_DetectedFromHeader()
    {
        string path = Write("conv4.bin", new SafetensorsTestFile().AddStateDict(_source.Network.state_dict()));

        var report = PretrainedWeights.Load(_target, path);

        report.Format.Should().Be(PretrainedWeightsFormat.Safetensors);
        AssertSameEmbeddings();
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void Load_LowerOrHigherPrecisionFile_ConvertsToTheParameterType(ScalarType fileType)
    {
        string path = Write("conv4.safetensors", new SafetensorsTestFile().AddStateDict(_source.Network.state_dict(), fileType));

        PretrainedWeights.Load(_target, path);

        var expected = _source.Network.state_dict();
        foreach (var (name, actual) in _target.Network.state_dict())
        {
            using var rounded = expected[name].is_floating_point() ? expected[name].to(fileType).to(actual.dtype) : expected[name].alias();
            TensorAssert.BitIdentical(actual, rounded);
        }
    }

    [Fact]
    public void Load_ExtraFcKeys_StrictThrowsListingThemAndLeavesWeightsUnchanged()
    {
        string path = WriteWithHead();
        var before = Snapshot(_target);

        var act = () => PretrainedWeights.Load(_target, path);

        var error = act.Should().Throw<StateDictMismatchException>().Which;
        error.FilePath.Should().Be(path);
        error.UnexpectedKeys.Should().Equal("fc.weight", "fc.bias");
        error.MissingKeys.Should().BeEmpty();
        error.ShapeMismatches.Should().BeEmpty();
        error.Message.Should().Be(
            $"Weights file '{path}' does not fit the Conv4 network:{Environment.NewLine}"
            + $"  unexpected keys (2):{Environment.NewLine}    fc.weight{Environment.NewLine}    fc.bias");
        Snapshot(_target).Should().BeEquivalentTo(before);
    }

    [Theory]
    [InlineData("NameMap")]
    [InlineData("SkipKeys")]
    [InlineData("IgnoreUnexpected")]
    public void Load_ExtraFcKeysSkippedByOptions_LoadsBackboneAndReportsThem(string how)
    {
        string path = WriteWithHead();
        var options = how switch
        {
            "NameMap" => new PretrainedWeightsOptions { NameMap = key => key.StartsWith("fc.", StringComparison.Ordinal) ? null : key },
            "SkipKeys" => new PretrainedWeightsOptions { SkipKeys = ["fc.*"] },
            _ => new PretrainedWeightsOptions { IgnoreUnexpected = true },
        };

        var report = PretrainedWeights.Load(_target, path, options);

        report.SkippedKeys.Should().Equal("fc.weight", "fc.bias");
        report.LoadedKeys.Should().HaveCount(28);
        AssertSameEmbeddings();
    }

    [Fact]
    public void Load_RenamedKey_FailsStrictlyAndLoadsWithNameMap()
    {
        string path = Write("renamed.safetensors", new SafetensorsTestFile()
            .AddStateDict(_source.Network.state_dict(), rename: key => key == "encoder.0.0.weight" ? "features.0.weight" : key));

        var strict = () => PretrainedWeights.Load(_target, path);
        var error = strict.Should().Throw<StateDictMismatchException>().Which;
        error.MissingKeys.Should().Equal("encoder.0.0.weight");
        error.UnexpectedKeys.Should().Equal("features.0.weight");

        var report = PretrainedWeights.Load(_target, path, new PretrainedWeightsOptions { NameMap = key => key == "features.0.weight" ? "encoder.0.0.weight" : key });

        report.LoadedKeys.Should().Contain("encoder.0.0.weight").And.HaveCount(28);
        AssertSameEmbeddings();
    }

    [Fact]
    public void Load_ShapeMismatch_ListsExpectedAndGotAndLeavesWeightsUnchanged()
    {
        var entries = _source.Network.state_dict().ToList();
        using var wide = ones(9);
        entries[entries.FindIndex(e => e.Key == "encoder.3.1.weight")] = KeyValuePair.Create("encoder.3.1.weight", wide);
        string path = Write("wide.safetensors", new SafetensorsTestFile().AddStateDict(entries));
        var before = Snapshot(_target);

        var act = () => PretrainedWeights.Load(_target, path, new PretrainedWeightsOptions { IgnoreMissing = true, IgnoreUnexpected = true });

        var error = act.Should().Throw<StateDictMismatchException>().Which;
        error.ShapeMismatches.Should().Equal("encoder.3.1.weight: expected [8] got [9]");
        error.Message.Should().Be(
            $"Weights file '{path}' does not fit the Conv4 network:{Environment.NewLine}"
            + $"  shape mismatches (1):{Environment.NewLine}    encoder.3.1.weight: expected [8] got [9]");
        Snapshot(_target).Should().BeEquivalentTo(before);
    }

    [Fact]
    public void Load_MissingLastBlock_FailsStrictlyAndLoadsWhenAllowed()
    {
        var entries = _source.Network.state_dict().Where(e => !e.Key.StartsWith("encoder.3.", StringComparison.Ordinal));
        string path = Write("partial.safetensors", new SafetensorsTestFile().AddStateDict(entries));
        var lastBlock = _target.Network.state_dict().Keys.Where(k => k.StartsWith("encoder.3.", StringComparison.Ordinal)).ToList();
        var before = Snapshot(_target);

        var strict = () => PretrainedWeights.Load(_target, path);
        strict.Should().Throw<StateDictMismatchException>().Which.MissingKeys.Should().Equal(lastBlock);

        var report = PretrainedWeights.Load(_target, path, new PretrainedWeightsOptions { AllowMissingKeys = ["encoder.3.*"] });

        report.MissingKeys.Should().Equal(lastBlock);
        report.LoadedKeys.Should().HaveCount(21);
        var after = Snapshot(_target);
        var source = Snapshot(_source);
        foreach (string key in after.Keys)
        {
            after[key].Should().Equal(lastBlock.Contains(key) ? before[key] : source[key], key);
        }
    }

    [Fact]
    public void Load_IntegerCounterStoredAsFloat_ListsDtypeMismatch()
    {
        var entries = _source.Network.state_dict().ToList();
        using var counter = tensor(3f);
        entries[entries.FindIndex(e => e.Key == "encoder.0.1.num_batches_tracked")] = KeyValuePair.Create("encoder.0.1.num_batches_tracked", counter);
        string path = Write("counter.safetensors", new SafetensorsTestFile().AddStateDict(entries));

        var act = () => PretrainedWeights.Load(_target, path);

        act.Should().Throw<StateDictMismatchException>().Which.DtypeMismatches.Should().Equal("encoder.0.1.num_batches_tracked: expected Int64 got Float32");
    }

    [Fact]
    public void Load_NameMapJoiningTwoKeys_ThrowsArgumentNamingBoth()
    {
        string path = WriteWithHead();

        var act = () => PretrainedWeights.Load(_target, path, new PretrainedWeightsOptions { NameMap = key => key.StartsWith("fc.", StringComparison.Ordinal) ? "fc" : key });

        act.Should().Throw<ArgumentException>().WithMessage($"NameMap maps both 'fc.weight' and 'fc.bias' of weights file '{path}' to the network key 'fc'*");
    }

    [Fact]
    public void Options_EmptyPattern_Throws()
    {
        var act = () => new PretrainedWeightsOptions { SkipKeys = ["fc.*", string.Empty] };

        act.Should().Throw<ArgumentException>().WithMessage("SkipKeys must hold non-empty key patterns such as \"fc.*\"; got [\"fc.*\", \"\"].*");
    }

    private static Dictionary<string, byte[]> Snapshot(Embedder embedder) =>
        embedder.Network.state_dict().ToDictionary(e => e.Key, e => TensorAssert.Bytes(e.Value));

    private void AssertSameEmbeddings()
    {
        using var images = TensorAssert.Images(3, 1, 28, 28, seed: 11);
        using var expected = _source.Embed(images);
        using var actual = _target.Embed(images);
        TensorAssert.BitIdentical(actual, expected);
        Snapshot(_target).Should().BeEquivalentTo(Snapshot(_source));
    }

    private string WriteWithHead()
    {
        using var weight = full(5, 8, 0.5f);
        using var bias = zeros(5);
        return Write("with-head.safetensors", new SafetensorsTestFile()
            .AddStateDict(_source.Network.state_dict())
            .Add("fc.weight", weight)
            .Add("fc.bias", bias));
    }

    private string Write(string name, SafetensorsTestFile file)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllBytes(path, file.ToBytes());
        return path;
    }
}
