using OneShot.Transfer;
using OneShot.Verification;
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
            result.Items.Add(new EmbeddingMethod(embedder, new PrototypeClassifierOptions(), "(a) prototypes", "metric one-shot: class means of the pretrained embeddings, nothing trained"));
            result.Items.Add(new EmbeddingMethod(embedder, new LinearProbeClassifierOptions(), "(b) linear probe", "transfer: embedder frozen, a new linear head trained on the support embeddings"));
            result.Items.Add(new EmbeddingMethod(embedder, new CosineHeadClassifierOptions(), "(b+) cosine head", "transfer, Baseline++: cosine head set from prototypes, tuned 50 steps"));
            result.Items.Add(new FineTuneMethod(embedder, new FineTuningOptions { Seed = options.Seed }));

            string siameseDir = options.SiameseDir ?? Path.Combine(AppContext.BaseDirectory, "models", "omniglot-siamese-conv4");
            if (File.Exists(Path.Combine(siameseDir, ModelFile.MetadataFileName)))
            {
                var siamese = SiameseModel.Load(siameseDir);
                result._owned.Add(siamese);
                output.WriteLine($"Siamese model: {(options.SiameseDir is null ? "models/omniglot-siamese-conv4" : siameseDir)} ({ModelFile.ReadMetadata(siameseDir).Description}).");
                result.Items.Add(new EmbeddingMethod(siamese.Embedder, siamese.CreateClassifier().Options, "(d) Siamese", $"metric one-shot: {siamese.Head.Kind} pair score with each support image, best wins"));
            }
            else
            {
                output.WriteLine($"Siamese model: none at {siameseDir}; row (d) is left out.");
            }

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
