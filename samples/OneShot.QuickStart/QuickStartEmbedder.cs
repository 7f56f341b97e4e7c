using System.Diagnostics;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Training;

namespace OneShot.QuickStart;

/// <summary>Gets QuickStart's embedder: a model folder, the shipped Omniglot model, or a brief training run on generated glyphs.</summary>
internal static class QuickStartEmbedder
{
    private const int BackgroundClasses = 240;
    private const int DrawingsPerClass = 10;
    private const int Episodes = 300;
    private static readonly TimeSpan TrainingBudget = TimeSpan.FromSeconds(60);

    public static (Embedder Embedder, string Source) Get(QuickStartOptions options, TextWriter output)
    {
        if (options.ModelDir is not null)
        {
            output.WriteLine($"Embedder: loading {options.ModelDir}");
            return (ModelFile.Load(options.ModelDir), options.ModelDir);
        }

        string shipped = Path.Combine(AppContext.BaseDirectory, "models", "omniglot-conv4");
        if (!options.ForceTraining && File.Exists(Path.Combine(shipped, ModelFile.MetadataFileName)))
        {
            var metadata = ModelFile.ReadMetadata(shipped);
            output.WriteLine($"Embedder: the shipped model models/omniglot-conv4 ({metadata.Description ?? metadata.Options.Backbone.Architecture}); the glyph classes are new to it.");
            return (ModelFile.Load(shipped), "models/omniglot-conv4");
        }

        return (TrainOnGeneratedGlyphs(options.Seed, output), "trained on generated glyphs");
    }

    private static Embedder TrainOnGeneratedGlyphs(int seed, TextWriter output)
    {
        var clock = Stopwatch.StartNew();
        var preprocessing = new ImagePreprocessing { Color = ColorMode.Grayscale, Width = 28, Height = 28, Invert = true };
        var embedder = Embedder.Create(new EmbedderOptions { Preprocessing = preprocessing });
        try
        {
            var images = GlyphTask.RenderBackground(new ImageLoader(preprocessing), BackgroundClasses, DrawingsPerClass, seed);
            using var dataset = InMemoryClassDataset.FromArrays(images, (1, 28, 28), scale: 1f);
            output.WriteLine($"Embedder: no shipped model; training a Conv4 on {BackgroundClasses} generated background glyph classes " +
                              $"(none of them in the task), {Episodes} episodes of 10-way 1-shot, at most {TrainingBudget.TotalSeconds:F0} s.");
            var trainer = new PrototypicalTrainer(new PrototypicalTrainerOptions
            {
                Way = 10,
                Shot = 1,
                Query = 5,
                Episodes = Episodes,
                LrStepEpisodes = 150,
                Seed = seed,
            });
            using var budget = new CancellationTokenSource(TrainingBudget);
            var progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.Episode % 50 == 0)
                {
                    output.WriteLine($"  episode {p.Episode,4}/{p.TotalEpisodes}: loss {p.Loss:F3}, accuracy {p.Accuracy:P0}");
                }
            });
            try
            {
                trainer.Train(embedder, dataset, progress: progress, cancellationToken: budget.Token);
            }
            catch (OperationCanceledException)
            {
                output.WriteLine("  time budget reached; using the weights trained so far.");
            }

            output.WriteLine($"  trained in {clock.Elapsed.TotalSeconds:F1} s.");
            return embedder;
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>Reports on the training thread, in order (Progress&lt;T&gt; posts to the thread pool and may print late).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
