// Siamese verification: "do these two images show the same character?" on classes the model never saw,
// at the threshold calibrated when the model was trained, then re-calibrated on these pairs for comparison.
using System.Diagnostics;
using OneShot;
using OneShot.Verification;
using OneShot.Classification;
using OneShot.SiameseVerification;
using OneShot.TransferVsFineTune;

string? modelDir = null;
int pairs = 2000;
int seed = 1;
bool generated = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length: modelDir = args[++i]; break;
        case "--pairs" when i + 1 < args.Length && int.TryParse(args[i + 1], out int p) && p >= 2: pairs = p; i++; break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], out int s): seed = s; i++; break;
        case "--generated": generated = true; break;
        default:
            Console.Error.WriteLine($"error: unknown or incomplete argument '{args[i]}'.");
            Console.Error.WriteLine("usage: dotnet run -c Release --project samples/OneShot.SiameseVerification [-- --model DIR] [--pairs N >= 2] [--seed N] [--generated]");
            return 1;
    }
}

try
{
    var clock = Stopwatch.StartNew();
    string shown = modelDir ?? "the shipped models/omniglot-siamese-conv4";
    modelDir ??= Path.Combine(AppContext.BaseDirectory, "models", "omniglot-siamese-conv4");
    using var model = SiameseModel.Load(modelDir);
    Console.WriteLine($"Model: {shown}: {model.Head.Kind} head; threshold {model.Threshold:0.####} ({model.Calibration.Method} on validation pairs: FAR {model.Calibration.FalseAcceptRate:P2}, FRR {model.Calibration.FalseRejectRate:P2}).");
    using var pool = TaskPool.Open(new ComparisonOptions { Generated = generated }, Console.Out, model.Embedder.Preprocessing);
    Console.WriteLine($"Data: {pool.Description}.");

    var sampler = new PairSampler(new ClassSubset(pool.Dataset, pool.Classes));
    using var batch = sampler.Sample(seed, 0, pairs);
    bool[] same = [.. batch.IsSame.data<float>().ToArray().Select(v => v == 1f)];
    var watch = Stopwatch.StartNew();
    float[] scores;
    using (var scored = model.Score(batch.Left, batch.Right))
    {
        scores = scored.data<float>().ToArray();
    }

    watch.Stop();
    int Count(Func<int, bool> where) => Enumerable.Range(0, scores.Length).Count(where);
    double threshold = model.Threshold;
    int sameCount = same.Count(s => s), differentCount = same.Length - sameCount;
    int falseAccepts = Count(i => !same[i] && scores[i] >= threshold);
    int falseRejects = Count(i => same[i] && scores[i] < threshold);
    Console.WriteLine($"Scored {scores.Length} pairs ({sameCount} same, {differentCount} different; seed {seed}) in {watch.Elapsed.TotalMilliseconds:F0} ms.");
    Console.WriteLine();
    Console.WriteLine($"At the model's threshold {threshold:0.####}: accuracy {1 - ((double)(falseAccepts + falseRejects) / scores.Length):P2}, " +
                      $"false accepts {falseAccepts} ({(double)falseAccepts / differentCount:P2}), false rejects {falseRejects} ({(double)falseRejects / sameCount:P2}).");
    var eer = ThresholdCalibration.EqualErrorRate([.. scores.Select(s => (double)s)], same);
    Console.WriteLine($"Re-calibrated on these pairs (equal error rate): threshold {eer.Threshold:0.####}, FAR {eer.FalseAcceptRate:P2}, FRR {eer.FalseRejectRate:P2}.");
    var strict = ThresholdCalibration.ForFalseAcceptRate([.. scores.Select(s => (double)s)], same, 0.01);
    Console.WriteLine($"For at most 1% false accepts: threshold {strict.Threshold:0.####}, FAR {strict.FalseAcceptRate:P2}, FRR {strict.FalseRejectRate:P2}.");
    Console.WriteLine();
    Console.WriteLine("A few pairs:");
    for (int i = 0; i < Math.Min(6, scores.Length); i++)
    {
        string left = pool.Dataset.Classes[pool.Classes[batch.LeftClasses[i]]], right = pool.Dataset.Classes[pool.Classes[batch.RightClasses[i]]];
        string verdict = scores[i] >= threshold ? "same" : "different";
        string mark = (scores[i] >= threshold) == same[i] ? "right" : "WRONG";
        Console.WriteLine($"  {left,-40} vs {right,-40} score {scores[i]:0.000} -> {verdict,-9} ({mark})");
    }

    Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
    return 0;
}
catch (Exception ex) when (ex is OneShotException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
