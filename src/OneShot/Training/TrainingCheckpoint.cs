using System.Text;
using OneShot.IO;
using OneShot.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Training;

/// <summary>
/// Reads and writes training checkpoints: one file framed by <see cref="ChecksummedFile"/> (magic, version 2,
/// length, payload, SHA-256) whose payload holds the recipe and network identity (checked on resume), the
/// <see cref="TrainingState"/>, then four length-prefixed sections: TorchSharp's generator state, the network
/// weights (TorchSharp's state-dict format), Adam's state (step counts and moment estimates, TorchSharp's optimizer
/// state dict) and the best weights so far. Files are written atomically and durably. A checkpoint is read and
/// checked completely (checksum, every section parsed, the optimizer state loaded into a scratch optimizer) before
/// anything is copied into the network, the optimizer or the state, so a damaged file changes nothing.
/// Version 1 checkpoints (no length or checksum) are refused with advice to start over.
/// </summary>
internal static class TrainingCheckpoint
{
    private const string Version1Magic = "OneShot.PrototypicalTrainer.Checkpoint";
    private const string StartOver = "Delete it, or set Resume = false (or another CheckpointPath), to start over.";

    /// <summary>The checkpoint format for <see cref="ChecksummedFile"/>.</summary>
    public static ChecksummedFormat Format { get; } = new(
        "training checkpoint",
        [0x89, (byte)'O', (byte)'S', (byte)'C', 0x0D, 0x0A, 0x1A, 0x0A],
        2,
        (path, message, inner) => new CheckpointFormatException(path, message, inner))
    {
        OldestVersion = 2,
        ObsoleteVersionAdvice = StartOver,
    };

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

    /// <summary>
    /// Writes a checkpoint atomically and durably; <paramref name="wrapStream"/>, when given, wraps the temporary
    /// file's stream (tests use it to inject a failure mid-write).
    /// </summary>
    public static void Save(
        string path, string recipe, string identity, TrainingState state, nn.Module network, Adam optimizer, Func<Stream, Stream>? wrapStream = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        using (var scope = NewDisposeScope())
        {
            writer.Write(recipe);
            writer.Write(identity);
            writer.Write(state.Episode);
            WriteNullable(writer, state.BestLoss);
            WriteNullable(writer, state.BestAccuracy);
            writer.Write(state.BestEpisode ?? -1);
            writer.Write(state.StaleValidations);
            writer.Write(state.StoppedEarly);
            WriteSection(writer, s =>
            {
                using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                random.get_rng_state().Save(w);
            });
            WriteSection(writer, s => StateDictWriter.Write(s, network.state_dict()));
            WriteSection(writer, s =>
            {
                using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                optimizer.save_state_dict(w);
            });
            writer.Write(state.BestWeights is not null);
            if (state.BestWeights is not null)
            {
                WriteSection(writer, s => StateDictWriter.Write(s, state.BestWeights));
            }
        }

        ChecksummedFile.Write(path, Format, buffer.ToArray(), wrapStream);
    }

    /// <summary>
    /// Reads and checks the whole checkpoint at <paramref name="path"/>, then restores it into
    /// <paramref name="state"/>, <paramref name="network"/>, <paramref name="optimizer"/> and TorchSharp's generator.
    /// When it throws, none of them has changed.
    /// </summary>
    /// <exception cref="CheckpointFormatException">The file is not a checkpoint, is of another version, truncated, corrupt or does not fit the network.</exception>
    /// <exception cref="OneShotException">The checkpoint was written by another recipe or network.</exception>
    public static void Load(string path, string recipe, string identity, TrainingState state, nn.Module network, Adam optimizer)
    {
        if (IsVersion1(path))
        {
            throw new CheckpointFormatException(
                path,
                $"The training checkpoint '{path}' was written by an older OneShot (checkpoint format 1, without a length or checksum) and cannot be resumed safely. {StartOver}");
        }

        var (_, payload) = ChecksummedFile.Read(path, Format);
        Tensor? rng = null;
        StateDict? weights = null;
        StateDict? best = null;
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
            Expect(path, "training recipe", ReadOrThrow(path, reader, r => r.ReadString()), recipe);
            Expect(path, "network", ReadOrThrow(path, reader, r => r.ReadString()), identity);
            var (episode, bestLoss, bestAccuracy, bestEpisode, stale, stoppedEarly) = ReadOrThrow(path, reader, r =>
                (r.ReadInt32(), ReadNullable(r), ReadNullable(r), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean()));
            if (episode < 0 || stale < 0 || bestEpisode < -1 || bestEpisode > episode)
            {
                throw Corrupt(path, $"its counters are out of range (episode {episode}, best episode {bestEpisode}, stale validations {stale})");
            }

            byte[] rngBytes = ReadSection(path, reader, "generator state");
            byte[] weightBytes = ReadSection(path, reader, "network weights");
            byte[] optimizerBytes = ReadSection(path, reader, "optimizer state");
            bool hasBest = ReadOrThrow(path, reader, r => r.ReadBoolean());
            byte[]? bestBytes = hasBest ? ReadSection(path, reader, "best weights") : null;
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw Corrupt(path, $"{reader.BaseStream.Length - reader.BaseStream.Position} unexpected bytes follow the last section");
            }

            rng = ParseSection(path, "generator state", rngBytes, r => StateDictReader.ReadTensor(r.BaseStream, path, "generator state").DetachFromDisposeScope());
            CheckGeneratorState(path, rng);
            weights = ParseStateDict(path, "network weights", weightBytes);
            best = bestBytes is null ? null : ParseStateDict(path, "best weights", bestBytes);
            CheckFits(path, "best weights", best, network);
            ParseSection(path, "optimizer state", optimizerBytes, r =>
            {
                using var scratch = optim.Adam(network.parameters());
                scratch.load_state_dict(r);
                return true;
            });

            // Everything is read and checked; from here on the restore cannot fail on the file's content.
            try
            {
                StateDictLoader.CopyInto(network, weights, path);
            }
            catch (StateDictMismatchException e)
            {
                throw new CheckpointFormatException(path, $"The training checkpoint '{path}' does not fit the network: {e.Message}", e);
            }

            using (var optimizerReader = new BinaryReader(new MemoryStream(optimizerBytes, writable: false), Encoding.UTF8))
            {
                optimizer.load_state_dict(optimizerReader);
            }

            random.set_rng_state(rng);
            state.Episode = episode;
            state.BestLoss = bestLoss;
            state.BestAccuracy = bestAccuracy;
            state.BestEpisode = bestEpisode < 0 ? null : bestEpisode;
            state.StaleValidations = stale;
            state.StoppedEarly = stoppedEarly;
            state.SetBest(best is null ? null : TakeTensors(best));
        }
        finally
        {
            rng?.Dispose();
            weights?.Dispose();
            best?.Dispose();
        }
    }

    /// <summary>Writes weights atomically in TorchSharp's state-dict format, loadable with <c>Module.load</c>.</summary>
    public static void SaveWeights(string path, Dictionary<string, Tensor> weights) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            nn.Module.save_state_dict(writer, weights);
        });

    private static void WriteSection(BinaryWriter writer, Action<Stream> write)
    {
        using var section = new MemoryStream();
        write(section);
        writer.Write(section.Length);
        writer.Write(section.GetBuffer(), 0, (int)section.Length);
    }

    private static byte[] ReadSection(string path, BinaryReader reader, string what)
    {
        long length = ReadOrThrow(path, reader, r => r.ReadInt64());
        long remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if (length < 0 || length > remaining)
        {
            throw Corrupt(path, $"its {what} section declares {length} bytes but {remaining} remain");
        }

        return reader.ReadBytes((int)length);
    }

    /// <summary>
    /// Checks a CPU generator state the way libtorch's <c>CPUGeneratorImpl::set_state</c> will, because there a bad state
    /// is a C++ error that TorchSharp does not catch: it terminated the process (found by the fuzzer). The state is
    /// <c>CPUGeneratorImplState</c> as bytes: 5,056 (or the legacy 5,048), holding the seed (8 bytes), <c>left</c> and
    /// <c>seeded</c> (int32 each), <c>next</c> (uint64) and the 624 Mersenne-twister words; valid when seeded, with
    /// <c>left</c> in 1..624 and <c>next</c> at most 624.
    /// </summary>
    private static void CheckGeneratorState(string path, Tensor state)
    {
        const int MersenneWords = 624;
        if (state.dtype != ScalarType.Byte || state.dim() != 1 || state.shape[0] is not (5056 or 5048))
        {
            throw Corrupt(path, $"its generator state is a {state.dtype} tensor of shape [{string.Join(", ", state.shape)}]; expected 5056 bytes (uint8)");
        }

        var bytes = state.bytes;
        int left = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        int seeded = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        uint next = (uint)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        if (seeded == 0 || left < 1 || left > MersenneWords || next > MersenneWords)
        {
            throw Corrupt(path, $"its generator state is not a valid Mersenne-twister state (left {left}, seeded {seeded}, next {next}; expected a seeded state with left in 1..{MersenneWords} and next at most {MersenneWords})");
        }
    }

    private static T ParseSection<T>(string path, string what, byte[] bytes, Func<BinaryReader, T> parse)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        T value;
        try
        {
            value = parse(reader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Corrupt(path, $"its {what} cannot be read ({e.GetType().Name}: {e.Message.Split('\n', 2)[0].Trim()})", e);
        }

        if (reader.BaseStream.Position != bytes.Length)
        {
            (value as IDisposable)?.Dispose();
            throw Corrupt(path, $"its {what} section holds {bytes.Length - reader.BaseStream.Position} bytes after the data");
        }

        return value;
    }

    private static StateDict ParseStateDict(string path, string what, byte[] bytes)
    {
        try
        {
            return StateDictReader.Read(bytes, path);
        }
        catch (ModelFormatException e)
        {
            throw Corrupt(path, $"its {what} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Checks that <paramref name="weights"/> has exactly the network's keys, shapes and element types.</summary>
    private static void CheckFits(string path, string what, StateDict? weights, nn.Module network)
    {
        if (weights is null)
        {
            return;
        }

        using var scope = NewDisposeScope();
        var expected = network.state_dict();
        var problems = expected.Where(p => !weights.TryGet(p.Key, out var t) || !t.shape.SequenceEqual(p.Value.shape) || t.dtype != p.Value.dtype)
            .Select(p => p.Key)
            .Concat(weights.Names.Where(n => !expected.ContainsKey(n)))
            .ToList();
        if (problems.Count > 0)
        {
            throw new CheckpointFormatException(
                path,
                $"The training checkpoint '{path}' holds {what} that do not fit the network: {problems.Count} keys are missing, unexpected or of another shape or type (first: '{problems[0]}').");
        }
    }

    /// <summary>Moves the tensors of <paramref name="weights"/> into a dictionary the caller owns (as copies; the state dict keeps and disposes its own).</summary>
    private static Dictionary<string, Tensor> TakeTensors(StateDict weights)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string name in weights.Names)
        {
            result[name] = weights[name].clone().DetachFromDisposeScope();
        }

        return result;
    }

    private static T ReadOrThrow<T>(string path, BinaryReader reader, Func<BinaryReader, T> read)
    {
        try
        {
            return read(reader);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
        {
            throw Corrupt(path, $"it ends or breaks inside its header at payload byte {reader.BaseStream.Position}", e);
        }
    }

    private static CheckpointFormatException Corrupt(string path, string detail, Exception? inner = null) =>
        new(path, $"The training checkpoint '{path}' is corrupt: {detail}.", inner);

    /// <summary>Whether the file starts like a version-1 checkpoint (a length-prefixed magic string).</summary>
    private static bool IsVersion1(string path)
    {
        byte[] expected = [(byte)Version1Magic.Length, .. Encoding.UTF8.GetBytes(Version1Magic)];
        var head = new byte[expected.Length];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(expected);
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
}
