using System.Diagnostics;
using OneShot.Evaluation;
using TorchSharp;

namespace OneShot.TransferVsFineTune;

/// <summary>Runs every method on the same random support draws and prints one table.</summary>
public static class ComparisonRunner
{
    /// <summary>Runs the comparison the options describe, writing progress and the table to <paramref name="output"/>.</summary>
    public static ComparisonResult Run(ComparisonOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        using var methods = ComparedMethods.Create(options, output);
        using var pool = TaskPool.Open(options, output, methods.Preprocessing);
        output.WriteLine($"Data: {pool.Description}.");
        output.WriteLine($"Task: {options.Way}-way {options.Shot}-shot, {options.Queries} queries per class, {options.Draws} random support draws (seed {options.Seed}).");
        output.WriteLine();

        var accuracies = methods.Items.Select(_ => new List<double>()).ToArray();
        var seconds = methods.Items.Select(_ => new List<double>()).ToArray();
        for (int d = 0; d < options.Draws; d++)
        {
            using var draw = SupportDraw.Create(pool, options.Way, options.Shot, options.Queries, unchecked((options.Seed * 100_003) + d));
            var line = new List<string>();
            for (int m = 0; m < methods.Items.Count; m++)
            {
                torch.manual_seed(options.Seed + d);
                var watch = Stopwatch.StartNew();
                var predicted = methods.Items[m].Predict(draw.Support, draw.SupportLabels, draw.Queries);
                watch.Stop();
                double accuracy = (double)predicted.Where((label, i) => label == draw.QueryLabels[i]).Count() / draw.QueryLabels.Count;
                accuracies[m].Add(accuracy);
                seconds[m].Add(watch.Elapsed.TotalSeconds);
                line.Add($"{methods.Items[m].Name[..(methods.Items[m].Name.IndexOf(')') + 1)]} {accuracy:P1}");
            }

            output.WriteLine($"  draw {d + 1,2}/{options.Draws}: {string.Join(", ", line)}");
        }

        var rows = methods.Items.Select((m, i) => new MethodResult(m.Name, m.Idea, ConfidenceInterval.Compute(accuracies[i]), Median(seconds[i]))).ToList();
        var result = new ComparisonResult(pool.Description, options.Way, options.Shot, options.Queries, options.Draws, rows);
        output.WriteLine();
        WriteTable(result, output);
        output.WriteLine();
        output.WriteLine($"Chance is {1.0 / options.Way:P1}. Accuracy is the mean over draws with a 95 % interval (1.96 sd / sqrt(draws)); time is the median per draw " +
                         $"(learning from {options.Way * options.Shot} support images and classifying {options.Way * options.Queries} queries) on {Environment.ProcessorCount} CPU threads.");
        output.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s.");
        return result;
    }

    /// <summary>Writes the result as a Markdown table.</summary>
    public static void WriteTable(ComparisonResult result, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(output);
        int name = Math.Max(6, result.Methods.Max(m => m.Name.Length));
        int idea = Math.Max(4, result.Methods.Max(m => m.Idea.Length));
        output.WriteLine($"| {"method".PadRight(name)} | {"idea".PadRight(idea)} | accuracy (95% CI) | time per draw |");
        output.WriteLine($"| {new string('-', name)} | {new string('-', idea)} | ----------------- | ------------- |");
        foreach (var m in result.Methods)
        {
            string accuracy = $"{m.Accuracy.Mean * 100:F2} ± {(double.IsNaN(m.Accuracy.HalfWidth95) ? 0 : m.Accuracy.HalfWidth95 * 100):F2} %";
            output.WriteLine($"| {m.Name.PadRight(name)} | {m.Idea.PadRight(idea)} | {accuracy,17} | {FormatSeconds(m.MedianSeconds),13} |");
        }
    }

    private static string FormatSeconds(double s) => s < 1 ? $"{s * 1000:F0} ms" : $"{s:F1} s";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
