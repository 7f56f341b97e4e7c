using System.CommandLine;
using OneShot.Data.Downloads;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;

namespace OneShot.Cli;

/// <summary>
/// <c>oneshot import-onnx FILE.onnx --out DIR [--preset cntk-resnet18|imagenet|clip]</c>, or
/// <c>oneshot import-onnx --imagenet-resnet18 --out DIR</c>: an ONNX ResNet-18-shaped model as a OneShot model folder.
/// </summary>
internal static class ImportOnnxCommand
{
    private static readonly string[] Presets = ["imagenet", "cntk-resnet18", "clip"];

    public static Command Create()
    {
        var file = new Argument<string?>("file") { Description = "The .onnx file of a ResNet-18-shaped network (not with --imagenet-resnet18).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("--out") { Description = "The model folder to write.", Required = true };
        var preset = new Option<string>("--preset") { Description = "The input preprocessing the model expects: imagenet (torchvision), cntk-resnet18 or clip.", DefaultValueFactory = _ => "imagenet" };
        preset.AcceptOnlyFromAmong(Presets);
        var preprocessOnnx = new Option<string?>("--preprocess-onnx") { Description = "With --preset cntk-resnet18: a preprocessing .onnx (ResNetPreprocess.onnx) whose mean image is subtracted." };
        var imagenet = new Option<bool>("--imagenet-resnet18") { Description = "Import ML.NET's ImageNet ResNet-18 from the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (NuGet cache, else downloaded and verified)." };
        var offline = new Option<bool>("--offline") { Description = "With --imagenet-resnet18: fail instead of downloading when the package is not in the NuGet cache." };
        var pooling = new Option<string?>("--pooling") { Description = "What the embedding is made of: stage outputs average-pooled on a grid, e.g. layer3:4 (layer3 on 4x4 cells, 4,096 values) or layer3:3,layer4:2; default layer4:1, ResNet-18's own 512-value global average. A grid keeps where features are: better for drawings of one subject by different artists (emoji), worse for subjects that move about the frame." };
        var contentCrop = BackboneArguments.ContentCropOption("in model.json");
        var feed = new Option<string?>("--feed") { Description = "With --imagenet-resnet18: the NuGet flat-container URL to download from (default nuget.org)." };

        var command = new Command("import-onnx", "Import an ONNX ResNet-18-shaped model (weights mapped by graph structure) as a OneShot model folder.");
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(preset);
        command.Options.Add(preprocessOnnx);
        command.Options.Add(imagenet);
        command.Options.Add(offline);
        command.Options.Add(feed);
        command.Options.Add(pooling);
        command.Options.Add(contentCrop);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string outFolder = result.GetValue(output)!;
            string? path = result.GetValue(file);
            var stages = BackboneArguments.ParsePooling(result.GetValue(pooling));
            float? margin = BackboneArguments.ParseContentCrop(result.GetValue(contentCrop));

            OnnxImportReport report;
            if (result.GetValue(imagenet))
            {
                if (path is not null)
                {
                    throw new ArgumentException($"--imagenet-resnet18 takes no ONNX file; got '{path}'.");
                }

                string? feedUrl = result.GetValue(feed);
                var options = new PretrainedModelOptions
                {
                    AllowDownload = !result.GetValue(offline),
                    FlatContainer = feedUrl is null ? null : new Uri(feedUrl.EndsWith('/') ? feedUrl : feedUrl + "/"),
                    Pooling = stages,
                    ContentCropMargin = margin,
                    Progress = new Progress<DownloadProgress>(p => Console.Error.Write($"\r{p.FileName}: {p.BytesReceived / 1048576.0:F1} MB")),
                };
                string downloads = Path.Combine(Path.GetTempPath(), "oneshot-nuget-downloads");
                report = PretrainedModels.ImportImageNetResNet18Async(outFolder, downloads, options).GetAwaiter().GetResult();
            }
            else
            {
                if (path is null)
                {
                    throw new ArgumentException("Give an .onnx file, or --imagenet-resnet18.");
                }

                string? meanOnnx = result.GetValue(preprocessOnnx);
                ImagePreprocessing preprocessing = result.GetValue(preset) switch
                {
                    "cntk-resnet18" => PreprocessingPresets.CntkResNet18(meanOnnx is null ? null : OnnxPreprocessing.ReadMeanImage(meanOnnx)),
                    "clip" => PreprocessingPresets.Clip,
                    _ => PreprocessingPresets.ImageNet,
                };
                using var imported = OnnxImport.CreateResNet18(path, preprocessing, DeviceChoice.Cpu);
                report = OnnxImport.LoadResNet18(imported, path);
                using var adapted = stages is null && margin is null ? null : PretrainedModels.Adapted(imported, stages, margin);
                ModelFile.Save(adapted ?? imported, outFolder, $"Imported from ONNX '{Path.GetFileName(path)}' ({report.Producer}).", new Dictionary<string, string> { ["source"] = Path.GetFileName(path) });
            }

            var metadata = ModelFile.ReadMetadata(outFolder);
            Console.WriteLine($"Imported {report.Mapping.Count} convolutions (blocks per stage {string.Join(",", report.BlocksPerStage)}) from {report.FilePath} ({report.Producer}).");
            foreach (string note in report.Notes)
            {
                Console.WriteLine($"  {note}");
            }

            Console.WriteLine($"Saved {metadata.Options.Backbone.Architecture} ({metadata.EmbeddingSize}-d) to {Path.GetFullPath(outFolder)}; preprocessing {metadata.Options.Preprocessing.ToCanonicalString()}.");
            return ExitCodes.Success;
        }));
        return command;
    }
}
