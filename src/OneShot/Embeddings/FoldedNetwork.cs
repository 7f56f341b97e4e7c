using TorchSharp;
using static TorchSharp.torch;

namespace OneShot.Embeddings;

/// <summary>
/// An inference-only copy of a Conv4 or ResNet-12 backbone with every batch norm folded into the convolution
/// before it (<c>W' = W·γ/√(σ²+ε)</c>, <c>b' = β + (b−μ)·γ/√(σ²+ε)</c>), run as plain functional calls with in-place
/// activations, in channels-last memory format. It holds a snapshot of the source weights so <see cref="Embedder"/> can tell when they changed.
/// Results equal the eval-mode network within float tolerance.
/// </summary>
internal sealed class FoldedNetwork : IDisposable
{
    private const double BatchNormEpsilon = 1e-5; // the nn.BatchNorm2d default every backbone here uses
    private const double ResNet12Slope = 0.1;

    private readonly Dictionary<string, Tensor> _snapshot;
    private readonly List<(Tensor Weight, Tensor Bias)> _convolutions;
    private readonly Func<Tensor, Tensor> _forward;
    private int _users;
    private bool _retired;

    private FoldedNetwork(Dictionary<string, Tensor> snapshot, List<(Tensor, Tensor)> convolutions, Func<FoldedNetwork, Tensor, Tensor> forward)
    {
        _snapshot = snapshot;
        _convolutions = convolutions;
        _forward = x => forward(this, x);
    }

    /// <summary>Builds a folded copy of <paramref name="network"/>, or returns null for backbones it does not know.</summary>
    public static FoldedNetwork? TryCreate(nn.Module<Tensor, Tensor> network)
    {
        int blocks;
        Func<FoldedNetwork, Tensor, Tensor> forward;
        Func<Dictionary<string, Tensor>, int, (Tensor, Tensor)[]> fold;
        switch (network)
        {
            case Conv4:
                blocks = 4;
                forward = static (f, x) => f.Conv4Forward(x);
                fold = static (s, i) => [Fold(s, $"encoder.{i}.0", $"encoder.{i}.1")];
                break;
            case ResNet12:
                blocks = 4;
                forward = static (f, x) => f.ResNet12Forward(x);
                fold = static (s, i) =>
                [
                    Fold(s, $"layer{i + 1}.0.conv1", $"layer{i + 1}.0.bn1"),
                    Fold(s, $"layer{i + 1}.0.conv2", $"layer{i + 1}.0.bn2"),
                    Fold(s, $"layer{i + 1}.0.conv3", $"layer{i + 1}.0.bn3"),
                    Fold(s, $"layer{i + 1}.0.downsample.0", $"layer{i + 1}.0.downsample.1"),
                ];
                break;
            default:
                return null;
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var snapshot = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in network.state_dict())
        {
            snapshot[name] = tensor.detach().clone().DetachFromDisposeScope();
        }

        var convolutions = new List<(Tensor, Tensor)>();
        for (int i = 0; i < blocks; i++)
        {
            foreach (var (w, b) in fold(snapshot, i))
            {
                convolutions.Add((ChannelsLast(w).DetachFromDisposeScope(), b.contiguous().DetachFromDisposeScope()));
            }
        }

        return new FoldedNetwork(snapshot, convolutions, forward);
    }

    /// <summary>True when every weight and buffer of <paramref name="network"/> still equals the folded snapshot.</summary>
    public bool Matches(nn.Module<Tensor, Tensor> network)
    {
        using var scope = NewDisposeScope();
        var current = network.state_dict();
        if (current.Count != _snapshot.Count)
        {
            return false;
        }

        foreach (var (name, tensor) in current)
        {
            if (!_snapshot.TryGetValue(name, out var kept) || !tensor.shape.SequenceEqual(kept.shape) || !tensor.allclose(kept, rtol: 0, atol: 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Runs the folded network on <paramref name="images"/>; call inside inference mode.</summary>
    public Tensor Forward(Tensor images) => _forward(images);

    /// <summary>Marks one more caller as running <see cref="Forward"/>; call under the owner's lock.</summary>
    public void Acquire() => _users++;

    /// <summary>Marks a caller as done; disposes the copy when it is retired and unused. Call under the owner's lock.</summary>
    public void Release()
    {
        _users--;
        if (_retired && _users == 0)
        {
            Dispose();
        }
    }

    /// <summary>Retires this copy: it is disposed as soon as no caller uses it. Call under the owner's lock.</summary>
    public void Retire()
    {
        _retired = true;
        if (_users == 0)
        {
            Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _snapshot.Values)
        {
            t.Dispose();
        }

        foreach (var (w, b) in _convolutions)
        {
            w.Dispose();
            b.Dispose();
        }

        _snapshot.Clear();
        _convolutions.Clear();
    }

    private static (Tensor Weight, Tensor Bias) Fold(Dictionary<string, Tensor> state, string conv, string bn)
    {
        var weight = state[$"{conv}.weight"];
        var scale = state[$"{bn}.weight"] / (state[$"{bn}.running_var"] + BatchNormEpsilon).sqrt();
        var folded = weight * scale.view(-1, 1, 1, 1);
        var shift = state.TryGetValue($"{conv}.bias", out var bias) ? bias - state[$"{bn}.running_mean"] : state[$"{bn}.running_mean"].neg();
        return (folded, state[$"{bn}.bias"] + (shift * scale));
    }

    /// <summary>
    /// The same values with NHWC strides (channels-last), which libtorch's CPU convolutions run faster on than NCHW
    /// (measured in docs/PERFORMANCE.md). TorchSharp 0.107 has no memory-format argument, hence the permutes.
    /// </summary>
    private static Tensor ChannelsLast(Tensor x)
    {
        using var nhwc = x.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    private Tensor Conv(Tensor x, int index, long padding)
    {
        var (w, b) = _convolutions[index];
        return nn.functional.conv2d(x, w, b, padding: [padding, padding]);
    }

    private Tensor Conv4Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = ChannelsLast(input);
        for (int i = 0; i < 4; i++)
        {
            x = nn.functional.max_pool2d(Conv(x, i, 1).relu_(), 2);
        }

        return x.contiguous().flatten(1).MoveToOuterDisposeScope();
    }

    private Tensor ResNet12Forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = ChannelsLast(input);
        for (int i = 0; i < 4; i++)
        {
            var y = nn.functional.leaky_relu(Conv(x, 4 * i, 1), ResNet12Slope, inplace: true);
            y = nn.functional.leaky_relu(Conv(y, (4 * i) + 1, 1), ResNet12Slope, inplace: true);
            y = Conv(y, (4 * i) + 2, 1).add_(Conv(x, (4 * i) + 3, 0));
            x = nn.functional.max_pool2d(nn.functional.leaky_relu(y, ResNet12Slope, inplace: true), 2);
        }

        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }
}
