using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Verification;
using OneShot.Classification;

namespace OneShot.Cli;

/// <summary><c>oneshot verify --model M A B</c>: do two images show the same class? (a Siamese model)</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A Siamese model folder (trained with 'oneshot train-siamese').", Required = true };
        var first = new Argument<string>("image-a") { Description = "The first image." };
        var second = new Argument<string>("image-b") { Description = "The second image." };
        var threshold = new Option<double?>("--threshold") { Description = "Accept as same when the score is at least this (default: the model's calibrated threshold)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("verify", "Say whether two images show the same class, with the Siamese score and the threshold used.");
        command.Options.Add(model);
        command.Arguments.Add(first);
        command.Arguments.Add(second);
        command.Options.Add(threshold);
        command.Options.Add(json);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            double? limit = result.GetValue(threshold);
            if (limit is { } l && !double.IsFinite(l))
            {
                throw new ArgumentException($"--threshold must be a finite number; got {l}.");
            }

            using var siamese = SiameseModel.Load(result.GetValue(model)!);
            if (limit is { } manual)
            {
                siamese.SetThreshold(manual);
            }

            string a = result.GetValue(first)!, b = result.GetValue(second)!;
            var verdict = siamese.Verify(a, b);
            if (result.GetValue(json))
            {
                var o = new JsonObject
                {
                    ["imageA"] = a,
                    ["imageB"] = b,
                    ["same"] = verdict.IsSame,
                    ["score"] = verdict.Score,
                    ["threshold"] = verdict.Threshold,
                    ["head"] = siamese.Head.Kind.ToString().ToLowerInvariant(),
                    ["calibration"] = siamese.Calibration.Method.ToString(),
                };
                Console.WriteLine(o.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(verdict.IsSame ? "same" : "different")}: score {verdict.Score:0.####} {(verdict.IsSame ? ">=" : "<")} threshold {verdict.Threshold:0.####} ({siamese.Head.Kind} head, {siamese.Calibration.Method} threshold)"));
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
