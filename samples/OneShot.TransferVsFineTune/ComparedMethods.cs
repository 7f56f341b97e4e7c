using OneShot.Classification;
using OneShot.Embeddings;
using OneShot.Serialization;

namespace OneShot.TransferVsFineTune;

/// <summary>The methods compared, and the models they share.</summary>
internal sealed class ComparedMethods : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private ComparedMethods()
    {
    }

    /// <summary>The methods, in table order.</summary>
    public List<IComparedMethod> Items { get; } = [];

    /// <summary>Loads the models and builds every method.</summary>
    public static ComparedMethods Create(ComparisonOptions options, TextWriter output)
    {
        var result = new ComparedMethods();
        try
        {
            string modelDir = options.ModelDir ?? Path.Combine(AppContext.BaseDirectory, "models", "omniglot-conv4");
            var embedder = ModelFile.Load(modelDir);
            result._owned.Add(embedder);
            var metadata = ModelFile.ReadMetadata(modelDir);
            output.WriteLine($"Pretrained embedder: {(options.ModelDir is null ? "models/omniglot-conv4" : modelDir)} ({metadata.Description ?? embedder.Architecture}).");
            result.Items.Add(new PrototypeMethod(embedder, new PrototypeClassifierOptions(), "(a) prototypes", "one-shot metric: class means of pretrained embeddings, no training"));
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var method in Items)
        {
            method.Dispose();
        }

        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }
}
