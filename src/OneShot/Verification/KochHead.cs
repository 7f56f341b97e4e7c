using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Verification;

/// <summary>
/// The pair head of Koch, Zemel and Salakhutdinov (2015): a weighted L1 distance, <c>fc(|a − b|)</c> with
/// <c>fc = Linear(D, 1)</c>, whose sigmoid is the probability that the two embeddings show the same class.
/// <see cref="forward"/> returns the logits <c>[P]</c>; train them with <see cref="KochLoss"/>.
/// </summary>
internal sealed class KochHead : nn.Module<Tensor, Tensor, Tensor>
{
#pragma warning disable IDE1006 // PyTorch field names keep state-dict keys compatible.
    private readonly Linear fc;
#pragma warning restore IDE1006

    /// <summary>
    /// Creates the head for embeddings of length <paramref name="embeddingSize"/>, initialised as PyTorch's <c>Linear</c>
    /// (uniform in ±1/√D) from <paramref name="generator"/>, or from TorchSharp's global generator when it is null.
    /// </summary>
    public KochHead(int embeddingSize, Generator? generator = null)
        : base(nameof(KochHead))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        EmbeddingSize = embeddingSize;
        fc = nn.Linear(embeddingSize, 1);
        if (generator is not null)
        {
            KaimingInit.UniformFanIn(fc.weight!, fc.bias, generator);
        }

        RegisterComponents();
    }

    /// <summary>The embedding length D.</summary>
    public int EmbeddingSize { get; }

    /// <summary>The logits <c>[P]</c> of the pairs (<paramref name="left"/>[i], <paramref name="right"/>[i]), both <c>[P,D]</c>.</summary>
    public override Tensor forward(Tensor left, Tensor right)
    {
        using var scope = NewDisposeScope();
        return fc.forward((left - right).abs()).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>The weights of <c>fc</c> (D values) and its bias, copied to arrays.</summary>
    public (float[] Weights, float Bias) GetParameters()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float[] weights = fc.weight.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        float bias = fc.bias!.detach().cpu().to_type(ScalarType.Float32).item<float>();
        return (weights, bias);
    }

    /// <summary>Overwrites the weights of <c>fc</c> (<see cref="EmbeddingSize"/> values) and its bias.</summary>
    public void SetParameters(IReadOnlyList<float> weights, float bias)
    {
        if (weights.Count != EmbeddingSize)
        {
            throw new ArgumentException($"Expected {EmbeddingSize} weights; got {weights.Count}.", nameof(weights));
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        fc.weight!.copy_(tensor(weights.ToArray()).reshape(1, EmbeddingSize));
        fc.bias!.copy_(tensor(new[] { bias }));
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            fc.Dispose();
        }

        base.Dispose(disposing);
    }
}
