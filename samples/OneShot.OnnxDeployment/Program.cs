using OneShot;
using OneShot.Data;
using OneShot.Onnx;

// Enroll and classify with ONNX Runtime only: no libtorch in this app's publish folder.
// Usage: OneShot.OnnxDeployment MODEL.onnx SUPPORT_DIR QUERY_DIR
//   SUPPORT_DIR holds one subfolder per class with a few example images each;
//   QUERY_DIR holds images to classify, loose or in class subfolders (then accuracy is printed too).
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: OneShot.OnnxDeployment MODEL.onnx SUPPORT_DIR QUERY_DIR   (MODEL.onnx.json must sit beside the model)");
    return 1;
}

try
{
    using var model = OnnxEmbeddingModel.Load(args[0]);
    Console.WriteLine($"model: {model.Sidecar.Architecture}, input {model.Preprocessing.Channels}x{model.Preprocessing.Height}x{model.Preprocessing.Width}, {model.EmbeddingSize}-value embeddings");

    var classifier = new ManagedPrototypeClassifier(model.EmbeddingSize);
    foreach (string classDir in Directory.GetDirectories(args[1]).Order(StringComparer.Ordinal))
    {
        foreach (string image in Images(classDir))
        {
            classifier.Enroll(Path.GetFileName(classDir), model.EmbedFile(image));
        }
    }

    Console.WriteLine($"enrolled {classifier.Labels.Count} classes");
    int total = 0, right = 0;
    foreach (string image in Directory.GetFiles(args[2], "*", SearchOption.AllDirectories).Where(IsImage).Order(StringComparer.Ordinal))
    {
        var prediction = classifier.Predict(model.EmbedFile(image));
        string truth = Path.GetFileName(Path.GetDirectoryName(image)!);
        total++;
        right += truth == prediction.Label ? 1 : 0;
        Console.WriteLine($"{Path.GetRelativePath(args[2], image)} -> {prediction.Label} (cosine distance {prediction.Distance:F3})");
    }

    Console.WriteLine($"{right} of {total} queries in the folder of their predicted class");
    return 0;
}
catch (Exception ex) when (ex is OneShotException or IOException or ArgumentException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

static IEnumerable<string> Images(string folder) =>
    Directory.GetFiles(folder).Where(IsImage).Order(StringComparer.Ordinal);

static bool IsImage(string path) =>
    Path.GetExtension(path).ToLowerInvariant() is ".png" or ".jpg" or ".jpeg" or ".bmp" or ".gif" or ".webp";
