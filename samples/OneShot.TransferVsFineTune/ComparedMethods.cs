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

    /// <summary>The pretrained embedder's preprocessing: how the task images are loaded.</summary>
    public OneShot.Data.ImagePreprocessing Preprocessing { get; private set; } = new();

    /// <summary>Loads the models and builds every method.</summary>
    public static ComparedMethods Create(ComparisonOptions options, TextWriter output)
    {
        var result = new ComparedMethods();
        try
        {
            bool emoji = options.EmojiDir is not null;
            string modelDir = options.ModelDir ?? (emoji ? Path.Combine(PretrainedModels.DefaultCacheFolder, PretrainedModels.ImageNetResNet18Name) : Path.Combine(AppContext.BaseDirectory, "models", "omniglot-conv4"));
            var embedder = emoji && options.ModelDir is null
                ? PretrainedModels.ImageNetResNet18(PretrainedModels.DefaultCacheFolder, new PretrainedModelOptions { Device = DeviceChoice.Cpu })
                : ModelFile.Load(modelDir);
            result._owned.Add(embedder);
            result.Preprocessing = embedder.Preprocessing;
            var metadata = ModelFile.ReadMetadata(modelDir);
            output.WriteLine($"Pretrained embedder: {(options.ModelDir is null && !emoji ? "models/omniglot-conv4" : modelDir)} ({metadata.Description ?? embedder.Architecture}).");

            // Colour photographs and drawings compare best by angle (cosine); the Omniglot model was trained with squared Euclidean distances.
            var metric = emoji ? DistanceMetric.Cosine : DistanceMetric.SquaredEuclidean;
            result.Items.Add(new EmbeddingMethod(embedder, new PrototypeClassifierOptions { Metric = metric }, "(a) prototypes", "metric one-shot: class means of the pretrained embeddings, nothing trained"));
            result.Items.Add(new EmbeddingMethod(embedder, new LinearProbeClassifierOptions(), "(b) linear probe", "transfer: embedder frozen, a new linear head trained on the support embeddings"));
            result.Items.Add(new EmbeddingMethod(embedder, new CosineHeadClassifierOptions(), "(b+) cosine head", "transfer, Baseline++: cosine head set from prototypes, tuned 50 steps"));
            if (!options.SkipFineTune)
            {
                result.Items.Add(new FineTuneMethod(embedder, new FineTuningOptions { Seed = options.Seed }));
            }

            for (int i = 0; i < options.ProjectionDirs.Count; i++)
            {
                string dir = options.ProjectionDirs[i];
                string row = i == 0 ? "(e)" : $"(e{i + 1})";
                var projection = ProjectedEmbedder.Load(dir, reference =>
                    reference == PretrainedModels.ImageNetResNet18Name ? embedder.Clone() : ModelFile.Load(reference));
                result._owned.Add(projection);
                output.WriteLine($"Projection {row}: {dir} ({ProjectedEmbedder.ReadInfo(dir).Description}).");
                string? grid = projection.Base is Embedder { Options.Backbone: ResNet18Options resnet } && !resnet.Pooling.SequenceEqual(StagePooling.Default)
                    ? StagePooling.FormatList(resnet.Pooling)
                    : null;
                result.Items.Add(grid is not null
                    ? new EmbeddingMethod(projection, new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }, $"{row} grid projection",
                        $"transfer + metric learning: the frozen network's {grid} grid features{(projection.Preprocessing.ContentCropMargin is null ? "" : " of images cut to content")}{(projection.GetInputMean() is null ? "" : ", centred,")} projected episodically, then prototypes")
                    : projection.HasTunedBase
                    ? new EmbeddingMethod(projection, new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }, $"{row} episodic fine-tune",
                        "transfer + metric learning: the last blocks and a projection fine-tuned episodically on other classes, then prototypes")
                    : new EmbeddingMethod(projection, new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine }, $"{row} episodic projection",
                        "transfer + metric learning: a projection of the frozen embeddings trained episodically on other classes, then prototypes"));
            }

            string siameseDir = options.SiameseDir ?? Path.Combine(AppContext.BaseDirectory, "models", "omniglot-siamese-conv4");
            if (emoji)
            {
                output.WriteLine("Siamese model: the shipped one knows handwriting only; row (d) is left out for emoji.");
            }
            else if (File.Exists(Path.Combine(siameseDir, ModelFile.MetadataFileName)))
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
