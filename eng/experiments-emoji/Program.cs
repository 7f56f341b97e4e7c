using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Transfer;
using TorchSharp;
using static TorchSharp.torch;

// Which features of the ImageNet ResNet-18 carry an emoji's identity across artists: global pooling of layer4 (the
// base embedding) against spatial pooling (2x2) and layer3, each plain-cosine and centred (the train split's mean,
// SimpleShot's CL2N), on the emoji test split (Google's drawing enrolled, Twitter's classified).
//   dotnet run -c Release --project eng/experiments-emoji -- EMOJI_DIR CACHE_DIR [TUNED_MODEL_DIR]
// Episodes (1,000, seed 1) are drawn here, not by `oneshot evaluate`, so absolute figures differ from its by the draw.
// The features of the test split and of the first 300 train classes (for the centring mean) are kept in CACHE_DIR.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: EMOJI_DIR CACHE_DIR [TUNED_MODEL_DIR]");
    return 1;
}

set_num_threads(2);
string cache = PretrainedModels.DefaultCacheFolder;
using var baseEmbedder = PretrainedModels.ImageNetResNet18(cache);
var pre = baseEmbedder.Options.Preprocessing;
var test = EmojiDataset.Open(args[0], new EmojiOptions { Split = EmojiSplit.Test, Preprocessing = pre });
var train = EmojiDataset.Open(args[0], new EmojiOptions { Split = EmojiSplit.Train, Preprocessing = pre, MaxClasses = 300 });
IEmbedder? tuned = args.Length > 2 ? ProjectedEmbedder.LoadWithPretrainedCache(args[2], cache) : null;
Directory.CreateDirectory(args[1]);

var sw = System.Diagnostics.Stopwatch.StartNew();
var testFeatures = Features.Cached(Path.Combine(args[1], "test-features.json"), () => Features.Compute(baseEmbedder, test, tuned));   // [name][artist][class][]
Console.WriteLine($"test features in {sw.Elapsed.TotalSeconds:F0} s");
var trainFeatures = Features.Cached(Path.Combine(args[1], "train300-features.json"), () => Features.Compute(baseEmbedder, train, tuned));
Console.WriteLine($"train features in {sw.Elapsed.TotalSeconds:F0} s");

foreach (var name in testFeatures.Keys)
{
    var trainMean = Features.Mean(trainFeatures[name][0].Concat(trainFeatures[name][1]));
    var galleryMean = Features.Mean(testFeatures[name][0]);
    foreach (var (transform, mean) in new (string, float[]?)[] { ("cosine", null), ("centred(train)", trainMean), ("centred(gallery)", galleryMean) })
    {
        var support = testFeatures[name][0].Select(v => Features.Normalize(v, mean)).ToArray();
        var query = testFeatures[name][1].Select(v => Features.Normalize(v, mean)).ToArray();
        double five = Features.Episodes(support, query, null, 5);
        double twenty = Features.Episodes(support, query, null, 20);
        double within = Features.Episodes(support, query, test.ClassGroups, 20);
        double rank1 = Features.Rank1(support, query);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-28} {transform,-15} 5w {five:P1}  20w {twenty:P1}  within {within:P1}  rank-1 {rank1:P1}"));
    }
}

tuned?.Dispose();
return 0;

internal static class Features
{
    private const int Episodes1 = 1000;

    public static Dictionary<string, float[][][]> Cached(string path, Func<Dictionary<string, float[][][]>> compute)
    {
        if (File.Exists(path))
        {
            return System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, float[][][]>>(File.ReadAllText(path))!;
        }

        var result = compute();
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(result));
        return result;
    }

    public static Dictionary<string, float[][][]> Compute(Embedder baseEmbedder, EmojiDataset data, IEmbedder? tuned)
    {
        var modules = baseEmbedder.Network.named_children().ToDictionary(c => c.name, c => (nn.Module<Tensor, Tensor>)c.module);
        baseEmbedder.Network.eval();
        var result = new Dictionary<string, float[][][]>();
        void Put(string name, int artist, int c, float[] v)
        {
            if (!result.TryGetValue(name, out var a))
            {
                a = [new float[data.Classes.Count][], new float[data.Classes.Count][]];
                result[name] = a;
            }

            a[artist][c] = v;
        }

        const int batch = 32;
        for (int start = 0; start < data.Classes.Count; start += batch)
        {
            int end = Math.Min(data.Classes.Count, start + batch);
            for (int artist = 0; artist < 2; artist++)
            {
                using var scope = NewDisposeScope();
                using var noGrad = inference_mode();
                var images = cat(Enumerable.Range(start, end - start).Select(c => data.Load(c, [artist])).ToList(), 0);
                var x = modules["maxpool"].forward(modules["relu"].forward(modules["bn1"].forward(modules["conv1"].forward(images))));
                x = modules["layer1"].forward(x);
                x = modules["layer2"].forward(x);
                var l3 = modules["layer3"].forward(x);
                var l4 = modules["layer4"].forward(l3);
                var g4 = l4.mean([2, 3]);
                var s4 = nn.functional.adaptive_avg_pool2d(l4, [2, 2]).flatten(1);
                var g3 = l3.mean([2, 3]);
                var s3 = nn.functional.adaptive_avg_pool2d(l3, [2, 2]).flatten(1);
                var m4 = nn.functional.adaptive_max_pool2d(l4, [1, 1]).flatten(1);
                Tensor Grid(Tensor map, int g) => nn.functional.adaptive_avg_pool2d(map, [g, g]).flatten(1);
                var parts = new Dictionary<string, Tensor>
                {
                    ["layer4 avg (base)"] = g4,
                    ["layer4 max"] = m4,
                    ["layer4 avg+max"] = cat([Unit(g4), Unit(m4)], 1),
                    ["layer4 2x2"] = s4,
                    ["layer4 3x3"] = Grid(l4, 3),
                    ["layer3 avg"] = g3,
                    ["layer3 2x2"] = s3,
                    ["layer3 3x3"] = Grid(l3, 3),
                    ["layer3 4x4"] = Grid(l3, 4),
                    ["layer2 4x4"] = Grid(x, 4),
                    ["layer3 2x2 + layer4 2x2"] = cat([Unit(s3), Unit(s4)], 1),
                    ["layer3 3x3 + layer4 2x2"] = cat([Unit(Grid(l3, 3)), Unit(s4)], 1),
                    ["layer3 2x2 + layer4 avg"] = cat([Unit(s3), Unit(g4)], 1),
                    ["layer4 avg + layer3 avg"] = cat([Unit(g4), Unit(g3)], 1),
                    ["layer4 avg + 2x2"] = cat([Unit(g4), Unit(s4)], 1),
                };
                if (tuned is not null)
                {
                    parts["tuned model"] = tuned.Embed(images);
                }

                foreach (var (name, t) in parts)
                {
                    var values = t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
                    int d = (int)t.shape[1];
                    for (int i = 0; i < end - start; i++)
                    {
                        Put(name, artist, start + i, values.AsSpan(i * d, d).ToArray());
                    }
                }
            }
        }

        return result;
    }

    private static Tensor Unit(Tensor t) => nn.functional.normalize(t, dim: 1);

    public static float[] Mean(IEnumerable<float[]> rows)
    {
        float[]? sum = null;
        int n = 0;
        foreach (var r in rows)
        {
            sum ??= new float[r.Length];
            for (int i = 0; i < r.Length; i++)
            {
                sum[i] += r[i];
            }

            n++;
        }

        return sum!.Select(v => v / n).ToArray();
    }

    public static float[] Normalize(float[] v, float[]? mean)
    {
        var x = mean is null ? (float[])v.Clone() : v.Select((e, i) => e - mean[i]).ToArray();
        double norm = Math.Sqrt(x.Sum(e => (double)e * e));
        return x.Select(e => (float)(e / norm)).ToArray();
    }

    private static double Dot(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    public static double Episodes(float[][] support, float[][] query, IReadOnlyList<string>? groups, int way)
    {
        var random = new Random(1);
        var pools = groups is null
            ? [Enumerable.Range(0, support.Length).ToArray()]
            : Enumerable.Range(0, support.Length).GroupBy(c => groups[c]).Select(g => g.ToArray()).Where(g => g.Length >= way).ToArray();
        int right = 0;
        for (int e = 0; e < Episodes1; e++)
        {
            var pool = pools[random.Next(pools.Length)];
            var classes = pool.OrderBy(_ => random.Next()).Take(way).ToArray();
            foreach (int c in classes)
            {
                int best = classes.MaxBy(k => Dot(query[c], support[k]));
                right += best == c ? 1 : 0;
            }
        }

        return right / (double)(Episodes1 * way);
    }

    public static double Rank1(float[][] support, float[][] query)
    {
        int right = 0;
        for (int c = 0; c < query.Length; c++)
        {
            int best = Enumerable.Range(0, support.Length).MaxBy(k => Dot(query[c], support[k]));
            right += best == c ? 1 : 0;
        }

        return right / (double)query.Length;
    }
}
