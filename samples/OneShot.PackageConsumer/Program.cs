// An app that uses OneShot the way a NuGet user does: load a trained embedder, enroll one drawing per
// class, save and reload the gallery, classify new drawings. Exit code 0 only when it works.
using OneShot.Galleries;
using OneShot.Serialization;
using SkiaSharp;

string work = Path.Combine(Path.GetTempPath(), $"oneshot-consumer-{Environment.ProcessId}");
Directory.CreateDirectory(work);
try
{
    // Three symbols, drawn by "different people": each drawing jitters the strokes.
    var symbols = new Dictionary<string, float[][]>
    {
        ["cross"] = [[0.2f, 0.2f, 0.8f, 0.8f], [0.8f, 0.2f, 0.2f, 0.8f]],
        ["ladder"] = [[0.3f, 0.15f, 0.3f, 0.85f], [0.7f, 0.15f, 0.7f, 0.85f], [0.3f, 0.4f, 0.7f, 0.4f], [0.3f, 0.65f, 0.7f, 0.65f]],
        ["tee"] = [[0.15f, 0.2f, 0.85f, 0.2f], [0.5f, 0.2f, 0.5f, 0.85f]],
    };
    var rng = new Random(7);
    string Draw(string label, int i)
    {
        using var surface = SKSurface.Create(new SKImageInfo(64, 64));
        surface.Canvas.Clear(SKColors.White);
        using var pen = new SKPaint { Color = SKColors.Black, StrokeWidth = 4 + rng.NextSingle(), IsAntialias = true, Style = SKPaintStyle.Stroke };
        float J() => (rng.NextSingle() - 0.5f) * 0.08f;
        foreach (var s in symbols[label])
        {
            surface.Canvas.DrawLine(64 * (s[0] + J()), 64 * (s[1] + J()), 64 * (s[2] + J()), 64 * (s[3] + J()), pen);
        }

        string path = Path.Combine(work, $"{label}-{i}.png");
        using var png = surface.Snapshot().Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
        return path;
    }

    using var embedder = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "model"));
    Console.WriteLine($"Loaded a {embedder.Architecture} embedder ({embedder.EmbeddingSize}-d) on {embedder.Device.type}.");
    string galleryPath = Path.Combine(work, "symbols.gallery");
    using (var gallery = new Gallery(embedder))
    {
        foreach (string label in symbols.Keys)
        {
            gallery.Enroll(label, Draw(label, 0));
        }

        gallery.Save(galleryPath);
    }

    using var reloaded = Gallery.Load(galleryPath, embedder);
    int correct = 0, total = 0;
    foreach (string label in symbols.Keys)
    {
        var queries = Enumerable.Range(1, 5).Select(i => Draw(label, i)).ToList();
        foreach (var prediction in reloaded.ClassifyBatch(queries))
        {
            total++;
            correct += prediction.Label == label ? 1 : 0;
        }
    }

    Console.WriteLine($"Enrolled {reloaded.Count} images in {reloaded.Labels.Count} classes; {correct}/{total} new drawings classified correctly.");
    return correct >= total - 2 ? 0 : 1;
}
finally
{
    Directory.Delete(work, recursive: true);
}
