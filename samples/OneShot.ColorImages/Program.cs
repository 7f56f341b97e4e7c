using System.Diagnostics;
using OneShot.Classification;
using OneShot.ColorImages;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Evaluation;
using OneShot.Galleries;
using OneShot.Serialization;
using static TorchSharp.torch;

// One-shot classification of colour images with an ImageNet-pretrained ResNet-18 (no training):
//   dotnet run -c Release --project samples/OneShot.ColorImages                      (emoji: Google drawing -> Twitter drawing)
//   dotnet run -c Release --project samples/OneShot.ColorImages -- --support DIR --query DIR   (your folders, one sub-folder per class)
string? supportDir = Value("--support");
string? queryDir = Value("--query");
int episodes = int.Parse(Value("--episodes") ?? "1000", System.Globalization.CultureInfo.InvariantCulture);
var clock = Stopwatch.StartNew();

string cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "OneShot", "models");
using var embedder = PretrainedModels.ImageNetResNet18(cache, new PretrainedModelOptions { Device = DeviceChoice.Cpu });
Console.WriteLine($"Embedder: ImageNet ResNet-18 (ML.NET's CNTK model, imported from ONNX; {embedder.EmbeddingSize}-d), model folder {Path.Combine(cache, PretrainedModels.ImageNetResNet18Name)}");
var cosine = new PrototypeClassifierOptions { Metric = DistanceMetric.Cosine, TopK = 5 };

if (supportDir is not null && queryDir is not null)
{
    // Your folders: the first image of each support sub-folder is the class's one example.
    using var gallery = new Gallery(embedder, new GalleryOptions { Classifier = cosine });
    foreach (var dir in Directory.GetDirectories(supportDir).Order(StringComparer.Ordinal))
    {
        gallery.Enroll(Path.GetFileName(dir), Directory.GetFiles(dir).Order(StringComparer.Ordinal).First());
    }

    var queries = Directory.GetDirectories(queryDir).SelectMany(d => Directory.GetFiles(d).Select(f => (Label: Path.GetFileName(d), Path: f))).ToList();
    var predictions = gallery.ClassifyBatch([.. queries.Select(q => q.Path)]);
    int correct = queries.Zip(predictions).Count(p => p.First.Label == p.Second.Label);
    Console.WriteLine($"Enrolled ONE image of each of {gallery.Labels.Count} classes; {queries.Count} queries.");
    Console.WriteLine($"Accuracy: {100.0 * correct / queries.Count:F1} % ({correct}/{queries.Count}); chance {100.0 / gallery.Labels.Count:F1} %. Done in {clock.Elapsed.TotalSeconds:F0} s.");
    return 0;
}

string? data = Value("--emoji") ?? EmojiTask.FindData();
if (data is null)
{
    Console.Error.WriteLine("No task: give --support DIR --query DIR (one sub-folder per class), or --emoji DIR (shared/data/emoji).");
    return 1;
}

string temp = Directory.CreateTempSubdirectory("oneshot-colorimages-").FullName;
try
{
    var classes = EmojiTask.Extract(data, temp);
    Console.WriteLine($"Task: the {classes.Count} emoji of the test split; support = Google's drawing (ONE per class), query = Twitter's drawing of the same emoji.");
    Tensor support = EmbedAll(embedder, [.. classes.Select(c => c.Support)]);
    Tensor query = EmbedAll(embedder, [.. classes.Select(c => c.Query)]);
    var labels = classes.Select(c => c.Code).ToList();

    // Rank-1 among all test classes: a gallery holding every Google drawing.
    using (var gallery = new Gallery(embedder, new GalleryOptions { Classifier = cosine }))
    {
        for (int i = 0; i < classes.Count; i++)
        {
            using var one = support[i].unsqueeze(0);
            gallery.EnrollEmbeddings(labels[i], one);
        }

        var all = gallery.ClassifyEmbeddings(query);
        double top1 = all.Select((p, i) => p.Label == labels[i] ? 1.0 : 0.0).Average();
        double top5 = all.Select((p, i) => p.TopK.Any(k => k.Label == labels[i]) ? 1.0 : 0.0).Average();
        Console.WriteLine();
        Console.WriteLine($"{"protocol",-44} {"accuracy (95% CI)",18}");
        Console.WriteLine($"{$"rank-1 among all {classes.Count} classes",-44} {100 * top1,11:F1} %");
        Console.WriteLine($"{$"top-5 among all {classes.Count} classes",-44} {100 * top5,11:F1} %");
    }

    var random = new Random(2026);
    foreach (int way in new[] { 5, 20 })
    {
        var ci = Episodes(support, query, labels, [Enumerable.Range(0, classes.Count).ToArray()], way, episodes, random, cosine);
        Console.WriteLine($"{$"{way}-way 1-shot, {episodes} episodes",-44} {100 * ci.Mean,8:F1} ± {100 * ci.HalfWidth95:F1} %");
    }

    var bySubcategory = Enumerable.Range(0, classes.Count).GroupBy(i => classes[i].Subcategory).Where(g => g.Count() >= 20).Select(g => g.ToArray()).ToList();
    var within = Episodes(support, query, labels, bySubcategory, 20, episodes, random, cosine);
    Console.WriteLine($"{$"20-way 1-shot within one subcategory ({bySubcategory.Count})",-44} {100 * within.Mean,8:F1} ± {100 * within.HalfWidth95:F1} %");
    Console.WriteLine($"Cosine distance to the one Google drawing per class; chance is 20 % / 5 %. Done in {clock.Elapsed.TotalSeconds:F0} s.");
    Console.WriteLine("Emoji images: Google Noto (Apache-2.0) and Twitter Twemoji (CC-BY 4.0, Copyright Twitter, Inc. and other contributors).");
    support.Dispose();
    query.Dispose();
}
finally
{
    Directory.Delete(temp, recursive: true);
}

return 0;

string? Value(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static Tensor EmbedAll(Embedder embedder, IReadOnlyList<string> paths)
{
    var loader = new ImageLoader(embedder.Preprocessing);
    var parts = new List<Tensor>();
    for (int start = 0; start < paths.Count; start += 32)
    {
        using var images = loader.LoadBatch([.. paths.Skip(start).Take(32)]);
        parts.Add(embedder.Embed(images));
    }

    var all = cat(parts);
    parts.ForEach(p => p.Dispose());
    return all;
}

static ConfidenceInterval Episodes(Tensor support, Tensor query, List<string> labels, IEnumerable<int[]> pools, int way, int count, Random random, PrototypeClassifierOptions options)
{
    var pool = pools.ToList();
    var accuracies = new List<double>();
    var classifier = new PrototypeClassifier(options);
    for (int e = 0; e < count; e++)
    {
        using var scope = NewDisposeScope();
        int[] from = pool[random.Next(pool.Count)];
        int[] chosen = [.. from.OrderBy(_ => random.Next()).Take(way)];
        using var index = tensor(chosen.Select(i => (long)i).ToArray());
        using var fitted = classifier.Fit(support.index_select(0, index), [.. chosen.Select(i => labels[i])]);
        var predictions = fitted.Predict(query.index_select(0, index));
        accuracies.Add(chosen.Select((c, i) => predictions[i].Label == labels[c] ? 1.0 : 0.0).Average());
    }

    return ConfidenceInterval.Compute(accuracies);
}
