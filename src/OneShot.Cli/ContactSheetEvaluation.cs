using System.Globalization;
using OneShot.Classification;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Evaluation;
using OneShot.Training;
using SkiaSharp;
using static TorchSharp.torch;

namespace OneShot.Cli;

/// <summary>
/// The contact sheet of <c>oneshot evaluate --sheet</c>: the first few episodes of the evaluation (same seed, same sampler),
/// one column per class: a support image on top, below it queries of that class with the class the nearest prototype picked.
/// </summary>
internal static class ContactSheetEvaluation
{
    /// <summary>The most episodes drawn.</summary>
    public const int MaxEpisodes = 3;

    /// <summary>The most classes (columns) drawn per episode.</summary>
    public const int MaxClasses = 10;

    /// <summary>The most queries drawn per class.</summary>
    public const int MaxQueries = 3;

    /// <summary>Draws the first episodes of <paramref name="options"/> on <paramref name="dataset"/> to <paramref name="path"/>.</summary>
    /// <returns>The accuracy of each episode drawn, over all its queries.</returns>
    public static IReadOnlyList<double> Save(string path, IEmbedder embedder, IClassDataset dataset, ImagePreprocessing preprocessing, EpisodeEvaluationOptions options, string datasetName)
    {
        var o = options;
        var sampler = new EpisodeSampler(dataset, o.Way, o.Shot, o.Query, o.Constraints());
        int episodes = Math.Min(MaxEpisodes, o.Episodes);
        var sections = new List<ContactSheetSection>(episodes);
        var accuracies = new double[episodes];
        for (int e = 0; e < episodes; e++)
        {
            using var episode = sampler.Load(o.PlanOf(sampler, e));
            (var section, accuracies[e]) = Section(e, episode, embedder, dataset, preprocessing, options.Classifier);
            sections.Add(section);
        }

        int classes = Math.Min(MaxClasses, o.Way);
        int queries = Math.Min(MaxQueries, o.Query);
        var ci = CultureInfo.InvariantCulture;
        string[] heading =
        [
            o.FixedPlans is null
                ? string.Format(ci, "oneshot evaluate: {0}, {1}-way {2}-shot, episodes 1-{3} of {4} (seed {5})", datasetName, o.Way, o.Shot, episodes, o.Episodes, o.Seed)
                : string.Format(ci, "oneshot evaluate: {0}, Lake et al.'s runs 1-{1} of {2} ({3}-way {4}-shot)", datasetName, episodes, o.Episodes, o.Way, o.Shot),
            string.Format(ci, "Top row: one support image per class (A, B, ...). Below it: {0} of its {1} queries, → the predicted class.", queries, o.Query),
            classes < o.Way
                ? string.Format(ci, "Drawn: {0} of the {1} classes. A title's accuracy counts all {2} queries of its episode.", classes, o.Way, o.Way * o.Query)
                : string.Format(ci, "A title's accuracy counts all {0} queries of its episode.", o.Way * o.Query),
        ];
        (SKColor, string)[] legend = [(ContactSheet.Neutral, "support example"), (ContactSheet.Right, "right prediction"), (ContactSheet.Wrong, "wrong prediction")];
        ContactSheet.Save(path, heading, legend, sections);
        return accuracies;
    }

    private static (ContactSheetSection Section, double Accuracy) Section(int number, Episode episode, IEmbedder embedder, IClassDataset dataset, ImagePreprocessing preprocessing, ClassifierOptions classifier)
    {
        int way = episode.Way;
        int shot = episode.Shot;
        int query = episode.QueryCount;
        string[] names = [.. episode.ClassIndices.Select(c => dataset.Classes[c])];
        IReadOnlyList<Prediction> predictions;
        using (var scope = NewDisposeScope())
        {
            var embeddings = embedder.Embed(cat(new[] { episode.Support, episode.Query }, 0));
            var support = embeddings.narrow(0, 0, way * shot);
            var queries = embeddings.narrow(0, way * shot, way * query);
            string[] labels = [.. Enumerable.Range(0, way * shot).Select(i => names[i / shot])];
            using var fitted = (classifier with { TopK = 1 }).CreateClassifier().Fit(support, labels);
            predictions = fitted.Predict(queries);
        }

        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        int[] predicted = [.. predictions.Select(p => index.GetValueOrDefault(p.Label, -1))];
        int right = predicted.Where((p, i) => p == i / query).Count();

        var (channels, height, width) = dataset.ItemShape;
        float[] supportPixels = episode.Support.data<float>().ToArray();
        float[] queryPixels = episode.Query.data<float>().ToArray();
        int classes = Math.Min(MaxClasses, way);
        var rows = new List<ContactSheetRow>
        {
            new("support", [.. Enumerable.Range(0, classes).Select(c =>
            {
                var (first, second) = NameLines(names[c]);
                return Tile(supportPixels, c * shot, channels, height, width, preprocessing, ContactSheet.Neutral, $"{Letter(c)}: {first}", second);
            })]),
        };
        for (int q = 0; q < Math.Min(MaxQueries, query); q++)
        {
            int row = q;
            rows.Add(new ContactSheetRow($"query {q + 1}", [.. Enumerable.Range(0, classes).Select(c =>
            {
                int item = (c * query) + row;
                int p = predicted[item];
                string caption = string.Create(CultureInfo.InvariantCulture, $"→ {(p < 0 ? "?" : Letter(p))}  ({predictions[item].Probability:0%})");
                return Tile(queryPixels, item, channels, height, width, preprocessing, p == c ? ContactSheet.Right : ContactSheet.Wrong, caption, p < 0 ? Prediction.UnknownLabel : ShortName(names[p]));
            })]));
        }

        string title = string.Create(
            CultureInfo.InvariantCulture,
            $"Episode {number + 1}: {right} of {way * query} queries right ({100.0 * right / (way * query):0.0}%)");
        return (new ContactSheetSection(title, rows), (double)right / (way * query));
    }

    /// <summary>A tile of dataset item <paramref name="item"/> of <paramref name="values"/>, shown as the eye sees it (Omniglot ink dark on white).</summary>
    private static ContactSheetTile Tile(float[] values, int item, int channels, int height, int width, ImagePreprocessing p, SKColor frame, params string[] caption)
    {
        int plane = height * width;
        var pixels = new float[channels * plane];
        for (int c = 0; c < channels; c++)
        {
            float mean = p.MeanOf(c);
            float std = p.StdOf(c);
            for (int i = 0; i < plane; i++)
            {
                float x = (values[(item * channels * plane) + (c * plane) + i] * std) + mean;
                pixels[(c * plane) + i] = p.Invert ? 1f - x : x;
            }
        }

        return ContactSheetTile.FromPixels(pixels, channels, height, width, frame, caption);
    }

    /// <summary>Episode class letters: A..Z, then #27, #28, ...</summary>
    internal static string Letter(int index) => index < 26 ? ((char)('A' + index)).ToString() : string.Create(CultureInfo.InvariantCulture, $"#{index + 1}");

    /// <summary>A class name without its first part when it has several: <c>Alphabet/character05</c> as "character05".</summary>
    internal static string ShortName(string name) => NameLines(name) is (var first, "") ? first : NameLines(name).Second;

    /// <summary>A class name on two lines: <c>Alphabet/character05/rot090</c> as "Alphabet" and "character05 rot090".</summary>
    internal static (string First, string Second) NameLines(string name)
    {
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (name, string.Empty) : (name[..slash].Replace('_', ' '), name[(slash + 1)..].Replace('/', ' '));
    }
}
