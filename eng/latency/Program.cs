using System.Diagnostics;
using System.Globalization;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using static TorchSharp.torch;

// Latency of one PNG file -> label (decode, resize, embed, nearest of 20 classes) through Gallery.Classify(path),
// with the default small-batch thread policy and with SmallBatchThreading.Off (libtorch's threads), interleaved call
// by call so both see the same machine. Run it alone for the quiet figure, beside `oneshot train` for the busy one.
//   dotnet run -c Release --project eng/latency -- [MODEL=models/omniglot-conv4] [PNG, "" for a generated one] [CALLS=300]
string model = args.Length > 0 ? args[0] : "models/omniglot-conv4";
string? png = args.Length > 1 && args[1].Length > 0 ? args[1] : null;
int calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
using var embedder = ModelFile.Load(model, DeviceChoice.Cpu);
using var gallery = new Gallery(embedder);
random.manual_seed(1);
var p = embedder.Preprocessing;
for (int c = 0; c < 20; c++)
{
    using var image = rand(p.Channels, p.Height, p.Width);
    gallery.Enroll($"class{c:D2}", image);
}

string folder = Directory.CreateTempSubdirectory("oneshot-latency-").FullName;
try
{
    if (png is null)
    {
        // A 105x105 grayscale stroke, the size of an Omniglot drawing.
        png = Path.Combine(folder, "query.png");
        using var bitmap = new SkiaSharp.SKBitmap(105, 105);
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        using (var paint = new SkiaSharp.SKPaint { Color = SkiaSharp.SKColors.Black, StrokeWidth = 6, IsAntialias = true })
        {
            canvas.Clear(SkiaSharp.SKColors.White);
            canvas.DrawLine(20, 20, 85, 80, paint);
            canvas.DrawLine(20, 80, 60, 30, paint);
        }

        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(png, data.ToArray());
    }

    var variants = new (string Name, SmallBatchThreading Policy)[]
    {
        ("default policy (one thread for one image)", SmallBatchThreading.Default),
        ("SmallBatchThreading.Off (libtorch's threads)", SmallBatchThreading.Off),
    };
    var times = variants.Select(_ => new List<double>(calls)).ToArray();
    for (int warm = 0; warm < 20; warm++)
    {
        foreach (var (_, policy) in variants)
        {
            embedder.SmallBatchThreading = policy;
            gallery.Classify(png);
        }
    }

    for (int i = 0; i < calls; i++)
    {
        for (int k = 0; k < variants.Length; k++)
        {
            embedder.SmallBatchThreading = variants[k].Policy;
            var clock = Stopwatch.StartNew();
            gallery.Classify(png);
            times[k].Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    Console.WriteLine($"{model}, 1 PNG -> label, {calls} calls each, interleaved; libtorch threads {get_num_threads()}, {Environment.ProcessorCount} processors");
    for (int k = 0; k < variants.Length; k++)
    {
        times[k].Sort();
        double At(double q) => times[k][(int)Math.Min(times[k].Count - 1, q * times[k].Count)];
        Console.WriteLine($"  {variants[k].Name,-46} p50 {At(0.5):F2} ms  p90 {At(0.9):F2} ms  p99 {At(0.99):F2} ms");
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

return 0;
