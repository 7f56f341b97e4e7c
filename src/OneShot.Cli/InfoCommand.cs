using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Globalization;
using OneShot.Galleries;
using OneShot.Serialization;
using OneShot.Serialization.Onnx;
using OneShot.Transfer;

namespace OneShot.Cli;

/// <summary><c>oneshot info MODEL|GALLERY</c>: what a model folder or gallery file holds.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("path") { Description = "A model folder (model.json), a projection folder (projection.json), an .onnx file with its sidecar, or a gallery file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("info", "Describe a model folder, a projection folder, an .onnx file (its sidecar) or a gallery file.");
        command.Arguments.Add(target);
        command.Options.Add(json);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string path = result.GetValue(target)!;
            JsonObject info = ProjectedEmbedder.IsProjectionFolder(path) ? DescribeProjection(path)
                : Directory.Exists(path) ? DescribeModel(path)
                : CliModels.IsOnnx(path) ? DescribeOnnx(path)
                : File.Exists(path) ? DescribeGallery(path)
                : throw new FileNotFoundException($"'{path}' is neither a model folder, an .onnx file nor a gallery file.", path);
            if (result.GetValue(json))
            {
                Console.WriteLine(info.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
            }
            else
            {
                Print(info, "");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static JsonObject DescribeModel(string directory)
    {
        var m = ModelFile.ReadMetadata(directory);
        var p = m.Options.Preprocessing;
        var training = new JsonObject();
        foreach (var (key, value) in m.TrainingInfo.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            training[key] = value;
        }

        return new JsonObject
        {
            ["kind"] = "model",
            ["path"] = Path.GetFullPath(directory),
            ["architecture"] = m.Options.Backbone.Architecture,
            ["backbone"] = m.Options.Backbone.ToCanonicalString(),
            ["embeddingSize"] = m.EmbeddingSize,
            ["input"] = $"{p.Channels}x{p.Height}x{p.Width}",
            ["preprocessing"] = p.ToCanonicalString(),
            ["l2Normalize"] = m.Options.L2Normalize,
            ["weightsSha256"] = m.WeightsSha256,
            ["formatVersion"] = m.FormatVersion,
            ["libraryVersion"] = m.LibraryVersion,
            ["description"] = m.Description,
            ["training"] = training,
        };
    }

    private static JsonObject DescribeProjection(string directory)
    {
        var m = ProjectedEmbedder.ReadMetadata(directory);
        var training = new JsonObject();
        foreach (var (key, value) in (m.TrainingInfo ?? []).OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            training[key] = value;
        }

        return new JsonObject
        {
            ["kind"] = "projection",
            ["path"] = Path.GetFullPath(directory),
            ["base"] = m.Base,
            ["baseArchitecture"] = m.BaseArchitecture,
            ["basePooling"] = m.BasePooling ?? "-",
            ["contentCrop"] = m.BaseContentCropMargin is { } margin ? margin.ToString("0.#####", CultureInfo.InvariantCulture) : "-",
            ["centred"] = m.InputMean is not null,
            ["tunedBase"] = m.TunedBase is not null,
            ["inputSize"] = m.InputSize,
            ["embeddingSize"] = m.OutputSize,
            ["baseWeightsSha256"] = m.BaseWeightsSha256,
            ["weightsSha256"] = m.Weights.Sha256,
            ["formatVersion"] = m.FormatVersion,
            ["description"] = m.Description,
            ["training"] = training,
        };
    }

    private static JsonObject DescribeOnnx(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The ONNX model '{path}' does not exist.", path);
        }

        string sidecarPath = OnnxSidecarFile.PathFor(path);
        var sidecar = OnnxSidecarFile.Read(sidecarPath);
        var p = sidecar.Preprocessing;
        return new JsonObject
        {
            ["kind"] = "onnx",
            ["path"] = Path.GetFullPath(path),
            ["bytes"] = new FileInfo(path).Length,
            ["sidecar"] = Path.GetFullPath(sidecarPath),
            ["architecture"] = sidecar.Architecture,
            ["input"] = sidecar.InputName,
            ["output"] = sidecar.OutputName,
            ["embeddingSize"] = sidecar.EmbeddingSize?.ToString(CultureInfo.InvariantCulture) ?? "-",
            ["image"] = $"{p.Channels}x{p.Height}x{p.Width}",
            ["preprocessing"] = p.ToCanonicalString(),
            ["l2Normalize"] = sidecar.L2Normalize,
            ["description"] = sidecar.Description,
        };
    }

    private static JsonObject DescribeGallery(string path)
    {
        var g = Gallery.ReadInfo(path);
        var classes = new JsonObject();
        foreach (var (label, count) in g.Counts)
        {
            classes[label] = count;
        }

        var properties = new JsonObject();
        foreach (var (key, value) in g.Properties)
        {
            properties[key] = value;
        }

        return new JsonObject
        {
            ["kind"] = "gallery",
            ["path"] = Path.GetFullPath(path),
            ["classes"] = g.Counts.Count,
            ["images"] = g.Count,
            ["embeddingSize"] = g.EmbeddingSize,
            ["architecture"] = g.Fingerprint.Architecture,
            ["weightsSha256"] = g.Fingerprint.WeightsSha256,
            ["properties"] = properties,
            ["counts"] = classes,
        };
    }

    private static void Print(JsonObject o, string indent)
    {
        foreach (var (key, value) in o)
        {
            if (value is JsonObject child)
            {
                Console.WriteLine($"{indent}{key}:");
                Print(child, indent + "  ");
            }
            else
            {
                Console.WriteLine($"{indent}{key + ":",-16} {value?.ToString() ?? "-"}");
            }
        }
    }
}
