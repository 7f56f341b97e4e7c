using System.Globalization;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using static TorchSharp.torch;

// Open-set scores and test-time augmentation on the Vinyals test split, from cached embeddings.
//   dotnet run -c Release --project eng/experiments -- MODEL OMNIGLOT [STRENGTH] [VARIANTS] [SIAMESE_MODEL]
// Every test image is embedded as it is and in VARIANTS affine distortions (AffineAugmentation at STRENGTH times
// the default ranges, generator seed 7); episodes (1,000, seed 1) draw WAY known classes (1 support + 15 queries)
// and 5 unknown classes (15 queries each), as `oneshot evaluate --unknown-way 5` does.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MODEL OMNIGLOT [STRENGTH=0.5] [VARIANTS=8] [SIAMESE_MODEL]");
    return 1;
}

string modelDir = args[0], omniglot = args[1];
double strength = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 0.5;
int variants = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8;
string? siameseDir = args.Length > 4 ? args[4] : null;
set_num_threads(2);
using var embedder = ModelFile.Load(modelDir, DeviceChoice.Cpu);
var data = OmniglotDataset.Open(omniglot, new OmniglotOptions { Split = OmniglotSplit.Test, IncludeRotations = true });
var d = new AffineAugmentationOptions();
var augmentation = new AffineAugmentationOptions
{
    RotationDegrees = d.RotationDegrees * strength,
    ShearDegrees = d.ShearDegrees * strength,
    ScaleMin = 1 - ((1 - d.ScaleMin) * strength),
    ScaleMax = 1 + ((d.ScaleMax - 1) * strength),
    TranslateFraction = d.TranslateFraction * strength,
};
var embeddings = Experiments.Embed(embedder, data, augmentation, variants);
var head = siameseDir is null ? null : OneShot.Verification.SiameseModel.Load(siameseDir, DeviceChoice.Cpu);
Console.WriteLine($"model {modelDir}; {data.Classes.Count} test classes; {variants} variants at strength {strength.ToString(CultureInfo.InvariantCulture)}");
if (Environment.GetEnvironmentVariable("COHORT") is string cohortText)
{
    var train = OmniglotDataset.Open(omniglot, new OmniglotOptions { Split = OmniglotSplit.Train, IncludeRotations = true });
    var stats = Experiments.CohortStats(embedder, train, embeddings, int.Parse(cohortText, CultureInfo.InvariantCulture));
    Experiments.CohortScores(embeddings, stats, 20);
    return 0;
}

foreach (int way in new[] { 5, 20 })
{
    Experiments.OpenSetScores(embeddings, way, head?.Head);
    foreach (var (support, query) in new[] { (0, 0), (variants, 0), (0, variants), (variants, variants) })
    {
        Experiments.TestTimeAugmentation(embeddings, way, support, query);
    }
}

head?.Dispose();
return 0;

internal static class Experiments
{
    private const int Items = 20, Queries = 15, Unknown = 5, Episodes = 1000;

    /// <summary>[class][item][variant][value]; variant 0 is the image as it is.</summary>
    public static float[][][][] Embed(Embedder embedder, OmniglotDataset data, AffineAugmentationOptions augmentation, int variants)
    {
        using var generator = new Generator(7);
        var result = new float[data.Classes.Count][][][];
        for (int c = 0; c < result.Length; c++)
        {
            using var scope = NewDisposeScope();
            var images = data.Load(c, [.. Enumerable.Range(0, Items)]);
            var all = new List<Tensor> { images };
            for (int v = 0; v < variants; v++)
            {
                all.Add(AffineAugmentation.Apply(images, augmentation, generator));
            }

            var e = embedder.Embed(cat(all, 0)).cpu();
            int size = (int)e.shape[1];
            float[] flat = e.data<float>().ToArray();
            result[c] = [.. Enumerable.Range(0, Items).Select(i => Enumerable.Range(0, variants + 1).Select(v => flat.AsSpan(((v * Items) + i) * size, size).ToArray()).ToArray())];
        }

        return result;
    }

    /// <summary>Known-vs-unknown scores of the best class (higher = known): AUROC and false rejects at 5 % false accepts.</summary>
    public static void OpenSetScores(float[][][][] e, int way, OneShot.Verification.SiameseHead? head)
    {
        var names = new List<string> { "-d1 (best squared distance)", "-sqrt(d1/d2) (ratio test)", "-d1/mean(d)", "-d1/|q|^2", "-d1/(nearest other support)", "-d1/(|q||p|)", "softmax p1 (T=1)" };
        if (head is not null)
        {
            names.Add("Koch logit of the best pair");
        }

        var (known, unknown, accuracy) = Run(e, way, 0, 0, (q, protos, d) =>
        {
            int[] order = [.. Enumerable.Range(0, way).OrderBy(i => d[i])];
            double d1 = d[order[0]], d2 = d[order[1]], mean = d.Average(), qn = Norm2(q), pn = Norm2(protos[order[0]]);
            double nearestOther = Enumerable.Range(0, way).Where(i => i != order[0]).Min(i => Sq(protos[order[0]], protos[i]));
            double z = d.Sum(v => Math.Exp(-(v - d1)));
            var s = new List<double> { -d1, -Math.Sqrt(d1 / d2), -d1 / mean, -d1 / qn, -d1 / nearestOther, -d1 / Math.Sqrt(qn * pn), 1 / z };
            if (head is not null)
            {
                s.Add(protos.Max(p => Koch(head, q, p)));
            }

            return [.. s];
        });
        Console.WriteLine($"{way}-way 1-shot, open-set scores ({accuracy:F2} % accuracy):");
        for (int k = 0; k < names.Count; k++)
        {
            var (auroc, frr) = OpenSet(known.Select(v => v[k]).ToArray(), unknown.Select(v => v[k]).ToArray());
            Console.WriteLine($"  {names[k],-30} AUROC {auroc:F4}  FRR at 5 % FAR {100 * frr:F1} %");
        }
    }

    public static readonly int[] CohortK = [1, 10, 50, 200, 100000];

    /// <summary>[class][item][k] = (mean, std) of the squared distances of the image to its K nearest cohort images.</summary>
    public static (double Mean, double Std)[][][] CohortStats(Embedder embedder, OmniglotDataset train, float[][][][] e, int cohortSize)
    {
        var random = new Random(3);
        int[] classes = [.. Enumerable.Range(0, train.Classes.Count).OrderBy(_ => random.Next()).Take(cohortSize)];
        var parts = new List<Tensor>();
        using var outer = NewDisposeScope();
        foreach (var chunk in classes.Chunk(256))
        {
            using var scope = NewDisposeScope();
            var images = cat([.. chunk.Select(c => train.Load(c, [random.Next(Items)]))], 0);
            parts.Add(embedder.Embed(images).cpu().MoveToOuterDisposeScope());
        }

        var cohort = cat(parts, 0);
        int size = (int)cohort.shape[1];
        var result = new (double, double)[e.Length][][];
        for (int c = 0; c < e.Length; c++)
        {
            using var scope = NewDisposeScope();
            float[] flat = [.. e[c].SelectMany(item => item[0])];
            var x = tensor(flat).reshape(Items, size);
            var d = cdist(x, cohort).pow(2).sort(1).Values;
            float[] dd = d.data<float>().ToArray();
            int n = (int)d.shape[1];
            result[c] = new (double, double)[Items][];
            for (int i = 0; i < Items; i++)
            {
                result[c][i] = [.. CohortK.Select(k =>
                {
                    int kk = Math.Min(k, n);
                    var span = dd.AsSpan(i * n, kk).ToArray();
                    double m = span.Average(v => (double)v);
                    double sd = kk > 1 ? Math.Sqrt(span.Sum(v => (v - m) * (v - m)) / (kk - 1)) : 1;
                    return (m, sd);
                })];
            }
        }

        return result;
    }

    public static void CohortScores(float[][][][] e, (double Mean, double Std)[][][] stats, int way)
    {
        var names = new List<string> { "-d1" };
        foreach (int k in CohortK)
        {
            names.Add($"T-norm K={k}");
            names.Add($"Z-norm K={k}");
            names.Add($"S-norm K={k}");
            names.Add($"mean_K(q) - d1 K={k}");
            names.Add($"(mean_K(q)+mean_K(p))/2 - d1 K={k}");
        }

        var known = new List<double[]>();
        var unknown = new List<double[]>();
        int correct = 0;
        foreach (var (protos, queries) in Draw(e.Length, way))
        {
            foreach (var (qc, qi, label) in queries)
            {
                float[] q = e[qc][qi][0];
                double[] d = [.. protos.Select(p => Sq(q, e[p.C][p.I][0]))];
                int best = Array.IndexOf(d, d.Min());
                double d1 = d[best];
                var s = new List<double> { -d1 };
                for (int k = 0; k < CohortK.Length; k++)
                {
                    var (mq, sq) = stats[qc][qi][k];
                    var (mp, sp) = stats[protos[best].C][protos[best].I][k];
                    double t = (mq - d1) / sq, z = (mp - d1) / sp;
                    s.AddRange([t, z, (t + z) / 2, mq - d1, ((mq + mp) / 2) - d1]);
                }

                if (label < 0)
                {
                    unknown.Add([.. s]);
                    continue;
                }

                known.Add([.. s]);
                correct += best == label ? 1 : 0;
            }
        }

        Console.WriteLine($"{way}-way 1-shot, cohort scores ({100.0 * correct / known.Count:F2} % accuracy):");
        for (int k = 0; k < names.Count; k++)
        {
            var (auroc, frr) = OpenSet([.. known.Select(v => v[k])], [.. unknown.Select(v => v[k])]);
            Console.WriteLine($"  {names[k],-40} AUROC {auroc:F4}  FRR at 5 % FAR {100 * frr:F1} %");
        }
    }

    /// <summary>Prototypes and queries as the mean of the image and its distortions.</summary>
    public static void TestTimeAugmentation(float[][][][] e, int way, int supportVariants, int queryVariants)
    {
        var (known, unknown, accuracy) = Run(e, way, supportVariants, queryVariants, (_, _, d) => [-d.Min()]);
        var (_, frr) = OpenSet(known.Select(v => v[0]).ToArray(), unknown.Select(v => v[0]).ToArray());
        Console.WriteLine($"{way}-way 1-shot, support {supportVariants} + 1 and query {queryVariants} + 1 views averaged: accuracy {accuracy:F2} %, open-set FRR at 5 % FAR {100 * frr:F1} %");
    }

    private static (List<double[]> Known, List<double[]> Unknown, double Accuracy) Run(
        float[][][][] e, int way, int supportVariants, int queryVariants, Func<float[], float[][], double[], double[]> score)
    {
        var known = new List<double[]>();
        var unknown = new List<double[]>();
        int correct = 0;
        foreach (var (drawn, drawnQueries) in Draw(e.Length, way))
        {
            float[][] protos = [.. drawn.Select(p => Mean(e[p.C][p.I], supportVariants + 1))];
            var queries = drawnQueries.Select(q => (Mean(e[q.C][q.I], queryVariants + 1), q.Label));
            foreach (var (q, label) in queries)
            {
                double[] d = [.. protos.Select(p => Sq(q, p))];
                double[] s = score(q, protos, d);
                if (label < 0)
                {
                    unknown.Add(s);
                    continue;
                }

                known.Add(s);
                correct += Array.IndexOf(d, d.Min()) == label ? 1 : 0;
            }
        }

        return (known, unknown, 100.0 * correct / known.Count);
    }

    /// <summary>The harness's 1,000 episodes (seed 1): (class, item) of every prototype, and of every query with its label (-1: unknown).</summary>
    private static IEnumerable<((int C, int I)[] Protos, List<(int C, int I, int Label)> Queries)> Draw(int classCount, int way)
    {
        var random = new Random(1);
        for (int episode = 0; episode < Episodes; episode++)
        {
            int[] classes = [.. Enumerable.Range(0, classCount).OrderBy(_ => random.Next()).Take(way + Unknown)];
            var protos = new (int C, int I)[way];
            var queries = new List<(int C, int I, int Label)>();
            for (int k = 0; k < classes.Length; k++)
            {
                int[] items = [.. Enumerable.Range(0, Items).OrderBy(_ => random.Next()).Take(Queries + 1)];
                if (k < way)
                {
                    protos[k] = (classes[k], items[0]);
                }

                for (int j = 1; j <= Queries; j++)
                {
                    queries.Add((classes[k], items[j], k < way ? k : -1));
                }
            }

            yield return (protos, queries);
        }
    }

    private static (double Auroc, double Frr) OpenSet(double[] known, double[] unknown)
    {
        double[] u = [.. unknown.OrderByDescending(v => v)];
        double threshold = u[(int)(0.05 * u.Length)];
        double frr = known.Count(v => v <= threshold) / (double)known.Length;
        var all = known.Select(v => (v, 1)).Concat(unknown.Select(v => (v, 0))).OrderBy(t => t.v).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length; i++)
        {
            rankSum += all[i].Item2 == 1 ? i + 1 : 0;
        }

        return ((rankSum - ((double)known.Length * (known.Length + 1) / 2)) / ((double)known.Length * unknown.Length), frr);
    }

    private static double Koch(OneShot.Verification.SiameseHead head, float[] a, float[] b)
    {
        double t = head.KochBias;
        for (int i = 0; i < a.Length; i++)
        {
            t += head.KochWeights[i] * Math.Abs(a[i] - b[i]);
        }

        return t;
    }

    private static float[] Mean(float[][] views, int count)
    {
        var m = new float[views[0].Length];
        for (int v = 0; v < count; v++)
        {
            for (int i = 0; i < m.Length; i++)
            {
                m[i] += views[v][i] / count;
            }
        }

        return m;
    }

    private static double Norm2(float[] a) => a.Sum(v => (double)v * v);

    private static double Sq(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double t = a[i] - b[i];
            s += t * t;
        }

        return s;
    }
}
