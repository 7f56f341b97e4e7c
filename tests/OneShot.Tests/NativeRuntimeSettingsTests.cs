using OneShot.Embeddings;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests;

/// <summary>
/// libtorch 2.10's oneDNN returned wrong convolutions on one AVX-512 host for channel counts that are not a multiple
/// of the vector width; OneShot caps oneDNN at SSE4.1 when its assembly loads unless this host passed
/// NativeKernelCheck (see NativeRuntimeSettings).
/// </summary>
public sealed class NativeRuntimeSettingsTests : IDisposable
{
    private const string Host = "AuthenticAMD family 26 model 2 stepping 1 microcode 0x1 flags 0011223344556677; TorchSharp 0.107.0; check 2";
    private readonly string _root = TestPaths.NewTempFolder("oneshot-kernel-check");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static NativeKernelCheckResult Result(string host = Host, string isa = "ALL", params string[] failures) =>
        new(host, isa, 2456, failures, [], failures.Length == 0 ? 2.7e-6 : 0.3, new DateTimeOffset(2026, 12, 1, 6, 15, 0, TimeSpan.Zero));

    [Fact]
    public void OneDnnIsa_InTheNativeEnvironment_IsWhatThePolicyDecidedFromThisHostsRecord()
    {
        _ = typeof(OneShot.Embeddings.Embedder).Assembly; // loading the assembly runs its module initializer
        string policy = NativeKernelCheck.OneDnnIsaPolicy;
        string? isa = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        string? record = NativeKernelCheck.FindPassingRecord(NativeKernelCheck.RecordPath, NativeKernelCheck.HostSignature);

        if (policy.Contains("set by the host", StringComparison.Ordinal))
        {
            policy.Should().StartWith(isa + " ");
        }
        else if (record is null)
        {
            isa.Should().Be("SSE41", policy);
            policy.Should().StartWith("SSE41 (no passing kernel check of this host");
        }
        else
        {
            isa.Should().Be("ALL", policy);
            policy.Should().StartWith("ALL (this host passed the kernel check: " + record);
        }
    }

    [Fact]
    public void Record_ThenFind_LiftsTheCapOnlyForAPassingFullIsaCheckOfTheSameHost()
    {
        string passing = Path.Combine(_root, "passing.json"), failing = Path.Combine(_root, "failing.json"), capped = Path.Combine(_root, "capped.json");
        NativeKernelCheck.Record(Result(), passing);
        NativeKernelCheck.Record(Result(failures: "3x3 conv stride 1, 20->20 channels, 7x7, NCHW: relative error 0.3"), failing);
        NativeKernelCheck.Record(Result(isa: "SSE41"), capped);

        NativeKernelCheck.FindPassingRecord(passing, Host).Should().Be("2456 cases right at 2026-12-01 06:15 UTC");
        NativeKernelCheck.FindPassingRecord(passing, Host.Replace("family 26", "family 25", StringComparison.Ordinal)).Should().BeNull("another CPU");
        NativeKernelCheck.FindPassingRecord(passing, Host.Replace("0.107.0", "0.108.0", StringComparison.Ordinal)).Should().BeNull("another libtorch");
        NativeKernelCheck.FindPassingRecord(passing, null).Should().BeNull("a host whose CPU cannot be read");
        NativeKernelCheck.FindPassingRecord(failing, Host).Should().BeNull("the check failed");
        NativeKernelCheck.FindPassingRecord(capped, Host).Should().BeNull("the check did not run the full instruction set");
        NativeKernelCheck.FindPassingRecord(Path.Combine(_root, "missing.json"), Host).Should().BeNull();
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    [InlineData("newer format")]
    [InlineData("older format")]
    [InlineData("cases as text")]
    [InlineData("no failures array")]
    public void FindPassingRecord_DamagedRecord_KeepsTheCapAndNeverThrows(string damage)
    {
        string path = Path.Combine(_root, "record.json");
        NativeKernelCheck.Record(Result(), path);
        string text = File.ReadAllText(path);
        var json = JsonNode.Parse(text)!.AsObject();
        string damaged = damage switch
        {
            "truncated" => text[..(text.Length / 2)],
            "garbage" => "\u0000\u00ff not json",
            "newer format" => Set(json, "formatVersion", 3),
            "older format" => Set(json, "formatVersion", 1),
            "cases as text" => Set(json, "cases", "many"),
            _ => Remove(json, "failures"),
        };
        File.WriteAllText(path, damaged);

        NativeKernelCheck.FindPassingRecord(path, Host).Should().BeNull();

        static string Set(JsonObject o, string key, JsonNode value)
        {
            o[key] = value;
            return o.ToJsonString();
        }

        static string Remove(JsonObject o, string key)
        {
            o.Remove(key);
            return o.ToJsonString();
        }
    }

    [Fact]
    public void Record_WithWrongConvolutionsOnlyInShapesTheNetworksNeverRun_LiftsTheCap()
    {
        string path = Path.Combine(_root, "outside.json");
        var zen3 = new NativeKernelCheckResult(Host, "ALL", 3688, [], ["1x1 conv stride 2, 3->8 channels, 14x14, channels-last: weight gradient relative error 0.881"],
            0.881, new DateTimeOffset(2026, 12, 2, 3, 40, 0, TimeSpan.Zero));
        NativeKernelCheck.Record(zen3, path);

        zen3.Passed.Should().BeTrue();
        NativeKernelCheck.FindPassingRecord(path, Host).Should().Be("3688 cases right at 2026-12-02 03:40 UTC");
    }

    [Fact]
    public void WhyNoPassingRecord_NamesTheReason_SoAnUpgradeSaysRunTheCheckAgain()
    {
        string path = Path.Combine(_root, "why.json");
        NativeKernelCheck.WhyNoPassingRecord(path, Host).Should().Be($"no kernel check recorded in {path}");
        NativeKernelCheck.WhyNoPassingRecord(path, null).Should().Be("this host's CPU cannot be read");

        NativeKernelCheck.Record(Result(), path);
        var old = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        old["formatVersion"] = 1;
        File.WriteAllText(path, old.ToJsonString());
        NativeKernelCheck.WhyNoPassingRecord(path, Host).Should().Be($"the record in {path} is of an earlier version of the check");

        NativeKernelCheck.Record(Result(), path);
        NativeKernelCheck.WhyNoPassingRecord(path, Host.Replace("family 26", "family 25", StringComparison.Ordinal))
            .Should().Be($"the record in {path} is of another host or TorchSharp version");

        NativeKernelCheck.Record(Result(failures: ["x", "y"]), path);
        NativeKernelCheck.WhyNoPassingRecord(path, Host).Should().Be($"this host failed the kernel check (2 wrong, recorded in {path})");

        File.WriteAllText(path, "{ not json");
        NativeKernelCheck.WhyNoPassingRecord(path, Host).Should().Be($"the record in {path} could not be read");
    }

    [Fact]
    public void ParseJson_OfToJson_KeepsEveryField()
    {
        var original = new NativeKernelCheckResult(Host, "ALL", 2456, ["a", "b"], ["c"], 0.3, new DateTimeOffset(2026, 12, 1, 6, 15, 0, TimeSpan.Zero));

        var parsed = NativeKernelCheck.ParseJson(NativeKernelCheck.ToJson(original).ToJsonString());

        parsed.HostSignature.Should().Be(Host);
        parsed.OneDnnIsa.Should().Be("ALL");
        parsed.Cases.Should().Be(2456);
        parsed.Failures.Should().Equal("a", "b");
        parsed.OutsideNetworkFailures.Should().Equal("c");
        parsed.WorstRelativeError.Should().Be(0.3);
        parsed.CheckedAt.Should().Be(original.CheckedAt);
        parsed.Passed.Should().BeFalse();
    }

    [Fact]
    public void Run_Quick_ThisProcesssConvolutionsMatchFloat64()
    {
        var result = NativeKernelCheck.Run(repetitions: 1, quick: true, progress: null);

        result.Failures.Should().BeEmpty();
        result.Passed.Should().BeTrue();
        result.OutsideNetworkFailures.Should().BeEmpty();
        result.Cases.Should().Be(31, "5 input channel counts (1, 3, 17, 20, 64) x 3 output ones (17, 20, 64) x 2 layouts, and Conv4 whole");
        result.WorstRelativeError.Should().BeGreaterThan(0, "float32 differs from float64 a little").And.BeLessThan(1e-4);
        result.OneDnnIsa.Should().Be(Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA"));
    }

    [Fact]
    public void Cases_Full_CoverTheBackbonesShapesAndTheChannelCountsThatBrokeBefore()
    {
        var cases = NativeKernelCheck.Cases(quick: false);

        cases.Should().Contain(new KernelCase(3, 64, 7, 2, 56, true), "ResNet-18's stem");
        cases.Should().Contain(new KernelCase(1, 64, 3, 1, 28, false), "Conv4's first layer");
        cases.Should().Contain(new KernelCase(64, 160, 3, 1, 14, true), "ResNet-12");
        cases.Should().Contain(new KernelCase(20, 20, 3, 1, 3, false), "a channel count that broke on an AVX-512 host");
        cases.Should().Contain(new KernelCase(64, 64, 1, 2, 14, true), "a 1x1 stride-2 shortcut");
        cases.Should().OnlyHaveUniqueItems();
        NativeKernelCheck.Networks(quick: false).Select(n => n.ToString()).Should().Equal(
            "conv4 at 1x28x28, batch 16", "conv4 at 3x84x84, batch 4", "resnet12 at 3x84x84, batch 2", "resnet18 at 3x224x224, batch 2");
    }

    public static TheoryData<string, BackboneOptions, int> Backbones => new()
    {
        { "conv4 grayscale", new Conv4Options(), 1 },
        { "conv4 colour, odd widths", new Conv4Options { Widths = [3, 17, 20, 160] }, 3 },
        { "resnet12 colour", new ResNet12Options(), 3 },
        { "resnet12 grayscale, small widths", new ResNet12Options { Widths = [8, 16, 17, 40] }, 1 },
        { "resnet18 colour", new ResNet18Options(), 3 },
        { "resnet18 grayscale", new ResNet18Options(), 1 },
    };

    [Theory]
    [MemberData(nameof(Backbones))]
    public void NetworksRun_CoversEveryConvolutionOfTheBackbones(string name, BackboneOptions backbone, int channels)
    {
        using var network = backbone.Build(channels);
        using var folded = OneShot.Embeddings.FoldedNetwork.TryCreate(network, version: 0);

        var shapes = folded!.ConvolutionShapes.ToList();

        shapes.Should().NotBeEmpty(name);
        shapes.Should().OnlyContain(s => NativeKernelCheck.NetworksRun(s.In, s.Kernel, s.Stride), $"{name}: a wrong kernel of any of its shapes must keep the cap");
    }

    [Fact]
    public void NetworksRun_ExcludesTheShapesWrongOnAZen3Host_AndNothingTheNetworksUse()
    {
        NativeKernelCheck.NetworksRun(3, 1, 2).Should().BeFalse("1x1 stride-2 from 3 channels: no backbone has it (its weight gradient was wrong at AVX2)");
        NativeKernelCheck.NetworksRun(17, 3, 2).Should().BeFalse("stride-2 convolutions start ResNet-18's stages from 64, 128 or 256 channels only");
        NativeKernelCheck.NetworksRun(64, 1, 2).Should().BeTrue();
        NativeKernelCheck.NetworksRun(3, 7, 2).Should().BeTrue();
        NativeKernelCheck.NetworksRun(17, 3, 1).Should().BeTrue("Conv4 and ResNet-12 take any widths");
        NativeKernelCheck.NetworksRun(3, 5, 1).Should().BeFalse();
    }

    [Theory]
    [InlineData(17, 17)]
    [InlineData(20, 20)]
    [InlineData(24, 24)]
    [InlineData(40, 40)]
    [InlineData(1, 20)]
    [InlineData(64, 64)]
    public void Conv2d_ChannelCountsThatBrokeOneDnn_MatchFloat64ForwardAndBackward(int inChannels, int outChannels)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(42);
        var x = randn([8, inChannels, 14, 14], generator: generator).requires_grad_(true);
        var xd = x.detach().to(float64).requires_grad_(true);
        var w = randn([outChannels, inChannels, 3, 3], generator: generator) / Math.Sqrt(inChannels * 9);
        var y = nn.functional.conv2d(x, w, padding: [1, 1]);
        var yd = nn.functional.conv2d(xd, w.to(float64), padding: [1, 1]);
        y.backward([ones_like(y)]);
        yd.backward([ones_like(yd)]);

        double forward = (y.to(float64) - yd).abs().max().item<double>() / yd.abs().max().item<double>();
        double backward = (x.grad!.to(float64) - xd.grad!).abs().max().item<double>() / xd.grad!.abs().max().item<double>();

        forward.Should().BeLessThan(1e-5);
        backward.Should().BeLessThan(1e-5);
    }
}
