using OneShot.Embeddings;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Transfer;

/// <summary>
/// Freezes and unfreezes parameters for transfer learning: by state-dict name prefix, or by the stages of an
/// <see cref="Embedder"/>'s backbone (<see cref="BackboneOptions.Stages"/>, input to output).
/// </summary>
/// <remarks>
/// <para>
/// A frozen parameter has <c>requires_grad = false</c>: no gradient is computed for it and an optimizer built from
/// <see cref="TrainableParameters"/> never sees it. A parameter matches a prefix when its name equals the prefix or
/// starts with the prefix followed by a dot, so <c>encoder.1</c> matches <c>encoder.1.0.weight</c> but not
/// <c>encoder.10.weight</c>.
/// </para>
/// <para>
/// Freezing does not stop batch-norm layers from updating their running statistics in training mode. Call
/// <see cref="TrainMode"/> instead of <c>train()</c> when fine-tuning: it puts the module in training mode except for
/// batch-norm layers whose parameters are all frozen, which stay in evaluation mode, so a frozen stage computes exactly
/// what it computed before and its running mean and variance do not move.
/// </para>
/// <para>Not thread-safe: change trainability while nothing else uses the module.</para>
/// </remarks>
public static class Freezing
{
    /// <summary>Makes the parameters of <paramref name="module"/> under any of <paramref name="prefixes"/> trainable or frozen.</summary>
    /// <param name="module">The module whose named parameters are matched.</param>
    /// <param name="prefixes">State-dict name prefixes, for example <c>encoder.3</c>.</param>
    /// <param name="trainable">True to unfreeze, false to freeze.</param>
    /// <returns>How many parameters matched.</returns>
    /// <exception cref="ArgumentException">A prefix is empty, or matches no parameter of <paramref name="module"/>.</exception>
    public static int SetTrainable(nn.Module module, IEnumerable<string> prefixes, bool trainable)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(prefixes);
        var list = prefixes.ToList();
        if (list.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("A prefix must not be null, empty or whitespace.", nameof(prefixes));
        }

        var parameters = module.named_parameters().ToList();
        foreach (string prefix in list)
        {
            if (!parameters.Any(p => Matches(p.name, prefix)))
            {
                throw new ArgumentException(
                    $"The prefix '{prefix}' matches no parameter; expected one of the parameter names or their prefixes, such as '{parameters.FirstOrDefault().name}'.",
                    nameof(prefixes));
            }
        }

        int count = 0;
        foreach (var (name, parameter) in parameters)
        {
            if (list.Any(prefix => Matches(name, prefix)))
            {
                parameter.requires_grad = trainable;
                count++;
            }
        }

        return count;
    }

    /// <summary>Makes every parameter of <paramref name="module"/> trainable or frozen.</summary>
    /// <returns>How many parameters there are.</returns>
    public static int SetTrainable(nn.Module module, bool trainable)
    {
        ArgumentNullException.ThrowIfNull(module);
        int count = 0;
        foreach (var parameter in module.parameters())
        {
            parameter.requires_grad = trainable;
            count++;
        }

        return count;
    }

    /// <summary>Freezes every parameter of <paramref name="embedder"/>'s network.</summary>
    public static void Freeze(Embedder embedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        SetTrainable(embedder.Network, trainable: false);
    }

    /// <summary>Makes every parameter of <paramref name="embedder"/>'s network trainable.</summary>
    public static void Unfreeze(Embedder embedder)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        SetTrainable(embedder.Network, trainable: true);
    }

    /// <summary>
    /// Freezes the whole network of <paramref name="embedder"/>, then makes the last <paramref name="count"/> stages
    /// (those nearest the output) trainable. Parameters outside every stage stay frozen. With 0 the network is frozen.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than the number of stages.</exception>
    public static void UnfreezeLastStages(Embedder embedder, int count)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        var stages = embedder.Options.Backbone.Stages;
        if (count < 0 || count > stages.Count)
        {
            throw new ArgumentOutOfRangeException(
                nameof(count), count, $"Expected between 0 and {stages.Count} stages for this {embedder.Architecture} embedder.");
        }

        SetTrainable(embedder.Network, trainable: false);
        if (count > 0)
        {
            SetTrainable(embedder.Network, stages.Skip(stages.Count - count), trainable: true);
        }
    }

    /// <summary>The names of the trainable (not frozen) parameters of <paramref name="module"/>, in registration order.</summary>
    public static IReadOnlyList<string> TrainableParameterNames(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToArray();
    }

    /// <summary>The trainable (not frozen) parameters of <paramref name="module"/>, in registration order.</summary>
    public static IReadOnlyList<Parameter> TrainableParameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.parameters().Where(p => p.requires_grad).ToArray();
    }

    /// <summary>
    /// The index of the stage of <paramref name="embedder"/> that parameter <paramref name="name"/> belongs to
    /// (0 = nearest the input), or null when it is in no stage.
    /// </summary>
    public static int? StageOf(Embedder embedder, string name)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(name);
        return StageOf(embedder.Options.Backbone.Stages, name);
    }

    /// <summary>
    /// Puts <paramref name="module"/> in training mode, except batch-norm layers whose parameters are all frozen:
    /// those stay in evaluation mode so their running statistics do not change. Batch-norm layers without
    /// parameters (affine false) follow the module into training mode.
    /// </summary>
    public static void TrainMode(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        module.train();
        foreach (var (_, child) in module.named_modules())
        {
            if (child is BatchNorm1d or BatchNorm2d or BatchNorm3d)
            {
                var own = child.parameters(recurse: false).ToList();
                if (own.Count > 0 && own.All(p => !p.requires_grad))
                {
                    child.eval();
                }
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> equals <paramref name="prefix"/> or starts with it followed by a dot.</summary>
    internal static bool Matches(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && (name.Length == prefix.Length || name[prefix.Length] == '.');

    /// <summary>The index of the stage whose prefix <paramref name="name"/> matches, or null.</summary>
    internal static int? StageOf(IReadOnlyList<string> stages, string name)
    {
        for (int i = 0; i < stages.Count; i++)
        {
            if (Matches(name, stages[i]))
            {
                return i;
            }
        }

        return null;
    }
}
