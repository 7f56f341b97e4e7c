using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using OneShot.Galleries;
using OneShot.Serialization;

namespace OneShot.Cli;

/// <summary><c>oneshot info MODEL|GALLERY</c>: what a model folder or gallery file holds.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("path") { Description = "A model folder (with model.json) or a gallery file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("info", "Describe a model folder or a gallery file.");
        command.Arguments.Add(target);
        command.Options.Add(json);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string path = result.GetValue(target)!;
            JsonObject info = Directory.Exists(path) ? DescribeModel(path)
                : File.Exists(path) ? DescribeGallery(path)
                : throw new FileNotFoundException($"'{path}' is neither a model folder nor a gallery file.", path);
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
