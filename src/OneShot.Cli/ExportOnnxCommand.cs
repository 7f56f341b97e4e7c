using System.CommandLine;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary><c>oneshot export-onnx --model DIR --out model.onnx</c>: export a model folder to ONNX plus its sidecar JSON.</summary>
internal static class ExportOnnxCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (model.json + weights-*.bin) with a conv4, resnet12 or resnet18 backbone, or a projection folder (projection.json) of one.", Required = true };
        var output = new Option<string>("--out") { Description = "The ONNX file to write; its sidecar JSON is written beside it as <out>.json.", Required = true };
        var command = new Command("export-onnx", "Export a model or a projection (base, mean, matrix in one graph) to ONNX (opset 17, dynamic batch) for ONNX Runtime, with a sidecar JSON of input/output names and preprocessing.");
        command.Options.Add(model);
        command.Options.Add(output);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string modelDir = result.GetValue(model)!;
            string outPath = result.GetValue(output)!;
            OnnxSidecar sidecar;
            try
            {
                sidecar = Export(modelDir, outPath);
            }
            catch (NotSupportedException e)
            {
                throw new ArgumentException(e.Message, nameof(model), e);
            }

            var p = sidecar.Preprocessing;
            Console.WriteLine($"wrote {Path.GetFullPath(outPath)} ({new FileInfo(outPath).Length:N0} bytes)");
            Console.WriteLine($"wrote {Path.GetFullPath(OnnxSidecarFile.PathFor(outPath))}");
            Console.WriteLine($"{sidecar.Architecture}: input '{sidecar.InputName}' [batch,{p.Channels},{p.Height},{p.Width}] -> output '{sidecar.OutputName}' [batch,{sidecar.EmbeddingSize}], opset {OnnxExporter.OpsetVersion}");
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>Exports a model folder, or a projection folder with its base (a named pretrained base is built from its package first).</summary>
    private static OnnxSidecar Export(string modelDir, string outPath)
    {
        if (ProjectedEmbedder.IsProjectionFolder(modelDir))
        {
            using var projection = (ProjectedEmbedder)CliModels.Load(modelDir);
            return OnnxExporter.ExportProjection(projection, outPath, ProjectedEmbedder.ReadInfo(modelDir).Description);
        }

        using var embedder = ModelFile.Load(modelDir);
        return OnnxExporter.Export(embedder, outPath, ModelFile.ReadMetadata(modelDir).Description);
    }
}
