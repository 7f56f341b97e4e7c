using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Tests;

/// <summary>
/// libtorch 2.10's oneDNN returns wrong convolutions on AVX-512 hosts for channel counts that are not a multiple of
/// the vector width; OneShot caps oneDNN at SSE4.1 when its assembly loads (see NativeRuntimeSettings).
/// </summary>
public sealed class NativeRuntimeSettingsTests
{
    [Fact]
    public void OneDnnIsa_IsCappedInTheNativeEnvironment()
    {
        _ = typeof(OneShot.Embeddings.Embedder).Assembly; // loading the assembly runs its module initializer
        Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA").Should().Be("SSE41");
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
