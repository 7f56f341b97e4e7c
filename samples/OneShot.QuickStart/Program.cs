using System.Diagnostics;
using OneShot;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.QuickStart;
using OneShot.Serialization;
using OneShot.Training;
using TorchSharp;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(QuickStartOptions.Usage);
    return 0;
}

QuickStartOptions options;
try
{
    options = QuickStartOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(QuickStartOptions.Usage);
    return 1;
}

var clock = Stopwatch.StartNew();
torch.manual_seed(options.Seed);
string? scratch = null;
try
{
    string supportDir, queryDir;
    if (options.SupportDir is not null && options.QueryDir is not null)
    {
        (supportDir, queryDir) = (options.SupportDir, options.QueryDir);
        Console.WriteLine($"Task: your images, support from {supportDir}, queries from {queryDir}.");
    }
    else
    {
        scratch = Path.Combine(Path.GetTempPath(), $"oneshot-quickstart-{Environment.ProcessId}");
        (supportDir, queryDir) = GlyphTask.WriteTask(scratch, options.Classes, options.QueriesPerClass, options.Seed);
        Console.WriteLine($"Task: {options.Classes} new glyph classes drawn for this run (seed {options.Seed}), ONE support image each,");
        Console.WriteLine($"      {options.QueriesPerClass} held-out drawings per class as queries; PNG files in {scratch}");
    }

    using Embedder embedder = QuickStartEmbedder.Get(options);
    var support = ClassFolders.Read(supportDir, "--support");
    var queries = ClassFolders.Read(queryDir, "--query");

    using var gallery = new Gallery(embedder);
    foreach (var (label, files) in support)
    {
        gallery.Enroll(label, files);
    }

    Console.WriteLine($"Enrolled {gallery.Count} support image(s) in {gallery.Labels.Count} classes; classifying {queries.Sum(q => q.Files.Count)} queries.");
    Console.WriteLine();
    Console.WriteLine($"{"class",-24} {"support",7} {"queries",7} {"correct",7} {"accuracy",8}  most confused with");
    int total = 0, correct = 0;
    foreach (var (label, files) in queries)
    {
        var predictions = gallery.ClassifyBatch(files);
        int right = predictions.Count(p => p.Label == label);
        string confused = predictions.Where(p => p.Label != label).GroupBy(p => p.Label)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Key} ({g.Count()})").FirstOrDefault() ?? "-";
        int enrolled = gallery.Counts.TryGetValue(label, out int n) ? n : 0;
        Console.WriteLine($"{Truncate(label, 24),-24} {enrolled,7} {files.Count,7} {right,7} {(double)right / files.Count,8:P1}  {confused}");
        total += files.Count;
        correct += right;
    }

    double accuracy = (double)correct / Math.Max(1, total);
    double chance = 1.0 / Math.Max(1, gallery.Labels.Count);
    Console.WriteLine();
    Console.WriteLine($"Accuracy: {accuracy:P1} ({correct}/{total}) with one example per class; chance is {chance:P1} ({accuracy / chance:F1}x chance).");
    Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
    return 0;
}
catch (Exception ex) when (ex is OneShotException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
finally
{
    if (scratch is not null && Directory.Exists(scratch))
    {
        Directory.Delete(scratch, recursive: true);
    }
}

static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
