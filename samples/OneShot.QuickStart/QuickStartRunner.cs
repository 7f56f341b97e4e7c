using System.Diagnostics;
using OneShot.Galleries;
using TorchSharp;

namespace OneShot.QuickStart;

/// <summary>What a QuickStart run measured.</summary>
/// <param name="Classes">The number of classes enrolled (one support image each for the generated task).</param>
/// <param name="Queries">The number of query images classified.</param>
/// <param name="Correct">How many queries got their true label.</param>
/// <param name="EmbedderSource">Where the embedder came from (a model folder, the shipped model, or training).</param>
public sealed record QuickStartResult(int Classes, int Queries, int Correct, string EmbedderSource)
{
    /// <summary>The fraction of queries classified correctly.</summary>
    public double Accuracy => (double)Correct / Math.Max(1, Queries);

    /// <summary>The accuracy of guessing: 1 / classes.</summary>
    public double Chance => 1.0 / Math.Max(1, Classes);
}

/// <summary>The QuickStart task: enroll one image per new class, classify held-out images, print a per-class table.</summary>
public static class QuickStartRunner
{
    /// <summary>Runs the task described by <paramref name="options"/>, writing the report to <paramref name="output"/>.</summary>
    public static QuickStartResult Run(QuickStartOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        torch.manual_seed(options.Seed);
        string? scratch = null;
        try
        {
            string supportDir, queryDir;
            if (options.SupportDir is not null && options.QueryDir is not null)
            {
                (supportDir, queryDir) = (options.SupportDir, options.QueryDir);
                output.WriteLine($"Task: your images, support from {supportDir}, queries from {queryDir}.");
            }
            else
            {
                scratch = Path.Combine(Path.GetTempPath(), $"oneshot-quickstart-{Guid.NewGuid():N}");
                (supportDir, queryDir) = GlyphTask.WriteTask(scratch, options.Classes, options.QueriesPerClass, options.Seed);
                output.WriteLine($"Task: {options.Classes} new glyph classes drawn for this run (seed {options.Seed}), ONE support image each,");
                output.WriteLine($"      {options.QueriesPerClass} held-out drawings per class as queries; PNG files in {scratch}");
            }

            var support = ClassFolders.Read(supportDir, "--support");
            var queries = ClassFolders.Read(queryDir, "--query");
            var (embedder, source) = QuickStartEmbedder.Get(options, output);
            using (embedder)
            using (var gallery = new Gallery(embedder))
            {
                foreach (var (label, files) in support)
                {
                    gallery.Enroll(label, files);
                }

                output.WriteLine($"Enrolled {gallery.Count} support image(s) in {gallery.Labels.Count} classes; classifying {queries.Sum(q => q.Files.Count)} queries.");
                output.WriteLine();
                output.WriteLine($"{"class",-24} {"support",7} {"queries",7} {"correct",7} {"accuracy",8}  most confused with");
                int total = 0, correct = 0;
                var counts = gallery.Counts;
                foreach (var (label, files) in queries)
                {
                    var predictions = gallery.ClassifyBatch(files);
                    int right = predictions.Count(p => p.Label == label);
                    string confused = predictions.Where(p => p.Label != label).GroupBy(p => p.Label)
                        .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                        .Select(g => $"{g.Key} ({g.Count()})").FirstOrDefault() ?? "-";
                    int enrolled = counts.TryGetValue(label, out int n) ? n : 0;
                    output.WriteLine($"{Truncate(label, 24),-24} {enrolled,7} {files.Count,7} {right,7} {(double)right / files.Count,8:P1}  {confused}");
                    total += files.Count;
                    correct += right;
                }

                var result = new QuickStartResult(gallery.Labels.Count, total, correct, source);
                output.WriteLine();
                output.WriteLine($"Accuracy: {result.Accuracy:P1} ({correct}/{total}) with one example per class; chance is {result.Chance:P1} ({result.Accuracy / result.Chance:F1}x chance).");
                output.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
                return result;
            }
        }
        finally
        {
            if (scratch is not null && Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
