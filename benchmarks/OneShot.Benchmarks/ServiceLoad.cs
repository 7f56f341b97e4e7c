using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OneShot.Hosting;
using OneShot.Service;
using SkiaSharp;

namespace OneShot.Benchmarks;

/// <summary>
/// A bounded loopback load test of samples/OneShot.Service: starts the service on 127.0.0.1 (real Kestrel, a free port,
/// a temporary gallery file), enrols 10 generated glyph classes with 2 drawings each, then N concurrent clients POST one
/// query drawing each to /classify as fast as they can for a fixed time. Prints requests/s, p50/p99 latency, the share
/// of correct labels and the error count (any status but 200, or a failed request; must be 0).
/// </summary>
internal static class ServiceLoad
{
    private const int Classes = 10;
    private const int QueriesPerClass = 4;

    public static async Task<int> RunAsync(int clients, int seconds, string? modelPath, TextWriter output)
    {
        string directory = Path.Combine(Path.GetTempPath(), "oneshot-service-load-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var arguments = new List<string> { "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning" };
        if (modelPath is not null)
        {
            arguments.Add($"--OneShot:ModelPath={Path.GetFullPath(modelPath)}");
        }

        await using var app = ServiceApp.Build(
            [.. arguments],
            builder => builder.Services.PostConfigure<OneShotServiceOptions>(o => o.GalleryPath = Path.Combine(directory, "gallery.bin")));
        try
        {
            await app.StartAsync();
            var address = new Uri(app.Urls.Single());
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = address };
            var recognizer = app.Services.GetRequiredService<OneShotRecognizer>();
            output.WriteLine($"service-load: {address} model {recognizer.Embedder.Architecture} ({recognizer.Embedder.Preprocessing.Width}x{recognizer.Embedder.Preprocessing.Height}), {clients} clients, {seconds} s, libtorch threads {TorchSharp.torch.get_num_threads()}");

            var rng = new Random(1);
            for (int c = 0; c < Classes; c++)
            {
                using var form = Form(($"support-{c}-0.png", Glyph(c, rng)), ($"support-{c}-1.png", Glyph(c, rng)));
                using var enrolled = await http.PostAsync($"/labels/glyph-{c}/images", form);
                enrolled.EnsureSuccessStatusCode();
            }

            var queries = Enumerable.Range(0, Classes * QueriesPerClass).Select(i => (Label: $"glyph-{i % Classes}", Png: Glyph(i % Classes, rng))).ToArray();
            for (int i = 0; i < 2 * clients; i++)
            {
                (await ClassifyAsync(http, queries[i % queries.Length].Png)).Response.Dispose();
            }

            var latencies = new List<double>[clients];
            int errors = 0;
            int correct = 0;
            var deadline = Stopwatch.StartNew();
            var tasks = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
            {
                var mine = latencies[client] = [];
                int next = client;
                while (deadline.Elapsed.TotalSeconds < seconds)
                {
                    var (label, png) = queries[next++ % queries.Length];
                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        var (response, body) = await ClassifyAsync(http, png);
                        using (response)
                        {
                            mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                            if (response.StatusCode != System.Net.HttpStatusCode.OK)
                            {
                                Interlocked.Increment(ref errors);
                            }
                            else if (body.Contains($"\"label\":\"{label}\"", StringComparison.Ordinal))
                            {
                                Interlocked.Increment(ref correct);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            double elapsed = deadline.Elapsed.TotalSeconds;
            var all = latencies.SelectMany(l => l).Order().ToArray();
            double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"service-load: {all.Length} requests in {elapsed:F1} s = {all.Length / elapsed:F1} requests/s; latency p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {all[^1]:F1} ms; correct labels {(double)correct / Math.Max(1, all.Length - errors):P1}; errors {errors}"));
            return errors == 0 && all.Length > 0 ? 0 : 1;
        }
        finally
        {
            await app.StopAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(HttpResponseMessage Response, string Body)> ClassifyAsync(HttpClient http, byte[] png)
    {
        using var form = Form(("query.png", png));
        var response = await http.PostAsync("/classify", form);
        return (response, await response.Content.ReadAsStringAsync());
    }

    private static MultipartFormDataContent Form(params (string Name, byte[] Png)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, png) in files)
        {
            var part = new ByteArrayContent(png);
            part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(part, "files", name);
        }

        return form;
    }

    /// <summary>A 64 x 64 drawing of glyph class <paramref name="classId"/>: 2-4 fixed pen strokes, jittered per drawing.</summary>
    private static byte[] Glyph(int classId, Random rng)
    {
        var shape = new Random(1000 + classId);
        int strokes = shape.Next(2, 5);
        const int Size = 64;
        using var surface = SKSurface.Create(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        canvas.Translate((rng.NextSingle() - 0.5f) * 6, (rng.NextSingle() - 0.5f) * 6);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 3.5f + rng.NextSingle(), StrokeCap = SKStrokeCap.Round };
        for (int s = 0; s < strokes; s++)
        {
            SKPoint Point() => new((0.15f + (0.7f * shape.NextSingle())) * Size, (0.15f + (0.7f * shape.NextSingle())) * Size);
            SKPoint Jitter(SKPoint p) => new(p.X + ((rng.NextSingle() - 0.5f) * 3), p.Y + ((rng.NextSingle() - 0.5f) * 3));
            using var path = new SKPath();
            path.MoveTo(Jitter(Point()));
            path.CubicTo(Jitter(Point()), Jitter(Point()), Jitter(Point()));
            canvas.DrawPath(path, paint);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
