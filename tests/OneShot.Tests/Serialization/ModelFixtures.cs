using System.Security.Cryptography;
using System.Text.Json.Nodes;
using OneShot.Data;
using OneShot.Embeddings;
using OneShot.Serialization;
using OneShot.Tests.Embeddings;
using static TorchSharp.torch;

namespace OneShot.Tests.Serialization;

/// <summary>Builds small saved models and edits their files to provoke load errors.</summary>
internal static class ModelFixtures
{
    /// <summary>A non-default embedder: RGB 32x32 with per-channel statistics, inverted, L2-normalised, narrow widths.</summary>
    public static EmbedderOptions SmallRgbOptions(IReadOnlyList<int>? widths = null) => new()
    {
        Backbone = new Conv4Options { Widths = widths ?? [8, 16, 16, 32] },
        Preprocessing = new ImagePreprocessing
        {
            Color = ColorMode.Rgb,
            Width = 32,
            Height = 32,
            Invert = true,
            Mean = [0.485f, 0.456f, 0.406f],
            Std = [0.229f, 0.224f, 0.225f],
        },
        L2Normalize = true,
        Device = DeviceChoice.Cpu,
    };

    /// <summary>A seeded embedder whose batch-norm running statistics moved away from their initial values.</summary>
    public static Embedder CreateTrained(EmbedderOptions? options = null, long seed = 42)
    {
        var embedder = EmbedderTests.CreateSeeded(options, seed);
        var p = embedder.Preprocessing;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            embedder.Network.train();
            for (int i = 0; i < 3; i++)
            {
                embedder.Network.forward(TensorAssert.Images(16, p.Channels, p.Height, p.Width, seed + i));
            }

            embedder.Network.eval();
        }

        return embedder;
    }

    /// <summary>Saves a trained embedder built from <paramref name="options"/> to <paramref name="directory"/>.</summary>
    public static void SaveTrained(string directory, EmbedderOptions? options = null, long seed = 42)
    {
        using var embedder = CreateTrained(options, seed);
        ModelFile.Save(embedder, directory);
    }

    /// <summary>Edits model.json of <paramref name="directory"/>.</summary>
    public static void EditJson(string directory, Action<JsonObject> edit)
    {
        string path = Path.Combine(directory, ModelFile.MetadataFileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    /// <summary>Replaces the weights file and records its length and hash in model.json, so only the content is wrong.</summary>
    public static void ReplaceWeights(string directory, byte[] weights)
    {
        File.WriteAllBytes(ModelFile.GetWeightsPath(directory), weights);
        EditJson(directory, root =>
        {
            root["weights"]!["bytes"] = weights.Length;
            root["weights"]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(weights));
        });
    }

    /// <summary>The weights bytes of <paramref name="directory"/>.</summary>
    public static byte[] ReadWeights(string directory) => File.ReadAllBytes(ModelFile.GetWeightsPath(directory));
}
