using System.Text;
using OneShot.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// Reads and writes training checkpoints: one binary file with the recipe and network identity (checked on
/// resume), the <see cref="TrainingState"/>, TorchSharp's generator state, the network weights, Adam's state
/// (step counts and moment estimates, via TorchSharp's optimizer state dict) and the best weights so far.
/// Files are written atomically.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string Magic = "OneShot.PrototypicalTrainer.Checkpoint";
    private const int Version = 1;

    /// <summary>The checkpoint and best-weights files for <see cref="PrototypicalTrainerOptions.CheckpointPath"/>.</summary>
    public static (string Checkpoint, string BestWeights) ResolvePaths(string checkpointPath)
    {
        string full = Path.GetFullPath(checkpointPath);
        bool isDirectory = Directory.Exists(full)
            || checkpointPath.EndsWith(Path.DirectorySeparatorChar)
            || checkpointPath.EndsWith(Path.AltDirectorySeparatorChar)
            || string.IsNullOrEmpty(Path.GetExtension(full));
        if (isDirectory)
        {
            return (Path.Combine(full, "training.ckpt"), Path.Combine(full, "best.weights"));
        }

        string stem = Path.Combine(Path.GetDirectoryName(full) ?? ".", Path.GetFileNameWithoutExtension(full));
        return (full, stem + ".best.weights");
    }

    /// <summary>Writes a checkpoint atomically.</summary>
    public static void Save(string path, string recipe, string identity, TrainingState state, nn.Module network, Adam optimizer)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(recipe);
            writer.Write(identity);
            writer.Write(state.Episode);
            WriteNullable(writer, state.BestLoss);
            WriteNullable(writer, state.BestAccuracy);
            writer.Write(state.BestEpisode ?? -1);
            writer.Write(state.StaleValidations);
            writer.Write(state.StoppedEarly);
            using (var rng = random.get_rng_state())
            {
                rng.Save(writer);
            }

            network.save(writer);
            optimizer.save_state_dict(writer);
            writer.Write(state.BestWeights is not null);
            if (state.BestWeights is not null)
            {
                WriteWeights(writer, state.BestWeights);
            }
        });
    }

    /// <summary>
    /// Restores a checkpoint into <paramref name="state"/>, <paramref name="network"/>, <paramref name="optimizer"/>
    /// and TorchSharp's generator.
    /// </summary>
    /// <exception cref="OneShotException">The file is not a checkpoint, or was written by another recipe or network.</exception>
    public static void Load(string path, string recipe, string identity, TrainingState state, nn.Module network, Adam optimizer)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        string magic;
        int version;
        try
        {
            magic = reader.ReadString();
            version = reader.ReadInt32();
        }
        catch (EndOfStreamException e)
        {
            throw new OneShotException($"'{path}' is not a OneShot training checkpoint: it ends after {stream.Position} bytes.", e);
        }

        if (magic != Magic || version != Version)
        {
            throw new OneShotException($"'{path}' is not a version-{Version} OneShot training checkpoint (found '{Truncate(magic)}', version {version}).");
        }

        Expect(path, "training recipe", reader.ReadString(), recipe);
        Expect(path, "network", reader.ReadString(), identity);
        state.Episode = reader.ReadInt32();
        state.BestLoss = ReadNullable(reader);
        state.BestAccuracy = ReadNullable(reader);
        int bestEpisode = reader.ReadInt32();
        state.BestEpisode = bestEpisode < 0 ? null : bestEpisode;
        state.StaleValidations = reader.ReadInt32();
        state.StoppedEarly = reader.ReadBoolean();
        using (var rng = TensorExtensionMethods.Load(reader))
        {
            random.set_rng_state(rng);
        }

        network.load(reader, strict: true);
        optimizer.load_state_dict(reader);
        state.SetBest(reader.ReadBoolean() ? ReadWeights(reader) : null);
    }

    /// <summary>Writes weights atomically in TorchSharp's state-dict format, loadable with <c>Module.load</c>.</summary>
    public static void SaveWeights(string path, Dictionary<string, Tensor> weights) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            nn.Module.save_state_dict(writer, weights);
        });

    private static void WriteWeights(BinaryWriter writer, Dictionary<string, Tensor> weights)
    {
        writer.Write(weights.Count);
        foreach (var (name, tensor) in weights)
        {
            writer.Write(name);
            tensor.Save(writer);
        }
    }

    private static Dictionary<string, Tensor> ReadWeights(BinaryReader reader)
    {
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            weights[name] = TensorExtensionMethods.Load(reader).DetachFromDisposeScope();
        }

        return weights;
    }

    private static void WriteNullable(BinaryWriter writer, double? value)
    {
        writer.Write(value.HasValue);
        writer.Write(value ?? 0);
    }

    private static double? ReadNullable(BinaryReader reader)
    {
        bool has = reader.ReadBoolean();
        double value = reader.ReadDouble();
        return has ? value : null;
    }

    private static void Expect(string path, string what, string found, string expected)
    {
        if (!string.Equals(found, expected, StringComparison.Ordinal))
        {
            throw new OneShotException(
                $"The checkpoint '{path}' was written with another {what}: it has '{found}', this run has '{expected}'. Use the same settings to resume, or set Resume = false (or another CheckpointPath) to start over.");
        }
    }

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..60] + "...";
}
