using System.Text;
using OneShot.Embeddings;
using OneShot.IO;
using OneShot.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace OneShot.Tests.Training;

/// <summary>
/// The checkpoint file (issue 10 item 4, issue 12): length and SHA-256 through the shared helper, parsed completely
/// before anything is applied, typed errors. "Unchanged" is checked bit for bit on the weights and by saving the
/// target again (weights, Adam state, training state and generator state) and comparing the bytes.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class TrainingCheckpointFileTests : IDisposable
{
    private const string Recipe = "recipe";
    private const string Identity = "conv4-tiny";
    private readonly SingleThreadedTorch _threads = new();
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-checkpoint");

    public void Dispose()
    {
        _threads.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void SaveThenLoad_RestoresWeightsOptimizerStateAndGenerator()
    {
        string path = Path.Combine(_folder, "a.ckpt");
        using (var source = Trained(seed: 1, episode: 7))
        {
            source.Save(path);
        }

        using var target = Trained(seed: 2, episode: 0);
        TrainingCheckpoint.Load(path, Recipe, Identity, target.State, target.Embedder.Network, target.Optimizer);

        target.State.Episode.Should().Be(7);
        target.State.BestLoss.Should().Be(0.25);
        target.State.BestAccuracy.Should().Be(0.75);
        target.State.BestEpisode.Should().Be(7);
        target.State.StaleValidations.Should().Be(2);
        target.State.BestWeights!.Keys.Should().Equal(target.Embedder.Network.state_dict().Keys);
        string again = Path.Combine(_folder, "again.ckpt");
        target.Save(again);
        File.ReadAllBytes(again).Should().Equal(File.ReadAllBytes(path), "everything saved was restored");
    }

    [Theory]
    [InlineData("flip-payload-byte", "The training checkpoint file '*' is corrupt: the SHA-256 checksum of its contents does not match.")]
    [InlineData("truncate-file", "The training checkpoint file '*' is truncated or corrupt: the header declares*")]
    [InlineData("empty", "The file '*' is not a OneShot training checkpoint*")]
    [InlineData("newer-version", "The training checkpoint file '*' has format version 3, newer than this OneShot reads (up to 2)*")]
    [InlineData("cut-inside-optimizer", "The training checkpoint '*' is corrupt: its optimizer state section declares * bytes but * remain.")]
    [InlineData("cut-inside-best", "The training checkpoint '*' is corrupt: its best weights section declares * bytes but * remain.")]
    [InlineData("short-optimizer-section", "The training checkpoint '*' is corrupt: its optimizer state cannot be read (EndOfStreamException*")]
    [InlineData("short-network-section", "The training checkpoint '*' is corrupt: its network weights cannot be read:*")]
    [InlineData("trailing-bytes", "The training checkpoint '*' is corrupt: 3 unexpected bytes follow the last section.")]
    [InlineData("short-header", "The training checkpoint '*' is corrupt: it ends or breaks inside its header*")]
    public void Load_DamagedCheckpoint_ThrowsTypedAndChangesNothing(string damage, string message)
    {
        string path = Path.Combine(_folder, "damaged.ckpt");
        using (var source = Trained(seed: 1, episode: 7))
        {
            source.Save(path);
        }

        byte[] file = File.ReadAllBytes(path);
        byte[] payload = file[ChecksummedFile.HeaderLength..^ChecksummedFile.ChecksumLength];
        var s = Sections(payload);
        File.WriteAllBytes(path, damage switch
        {
            "flip-payload-byte" => Flip(file, ChecksummedFile.HeaderLength + s.Optimizer.Start + 5),
            "truncate-file" => file[..^7],
            "empty" => [],
            "newer-version" => Flip(file, 8, 3),
            "cut-inside-optimizer" => Frame(payload[..(s.Optimizer.Start + (s.Optimizer.Length / 2))]),
            "cut-inside-best" => Frame(payload[..^10]),
            "short-optimizer-section" => Frame(Shorten(payload, s.Optimizer)),
            "short-network-section" => Frame(Shorten(payload, s.Network)),
            "trailing-bytes" => Frame([.. payload, 1, 2, 3]),
            "short-header" => Frame(payload[..(s.Rng.Start - 20)]),
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        });
        using var target = Trained(seed: 2, episode: 3);
        var weightsBefore = SyntheticClasses.Weights(target.Embedder);
        string before = Path.Combine(_folder, "before.ckpt");
        target.Save(before);

        var act = () => TrainingCheckpoint.Load(path, Recipe, Identity, target.State, target.Embedder.Network, target.Optimizer);

        act.Should().Throw<CheckpointFormatException>().WithMessage(message).Which.FilePath.Should().Be(path);
        var weightsAfter = SyntheticClasses.Weights(target.Embedder);
        weightsAfter.Keys.Should().Equal(weightsBefore.Keys);
        foreach (var (key, values) in weightsBefore)
        {
            weightsAfter[key].Select(BitConverter.SingleToInt32Bits).Should().Equal(values.Select(BitConverter.SingleToInt32Bits), key);
        }

        target.State.Episode.Should().Be(3);
        string after = Path.Combine(_folder, "after.ckpt");
        target.Save(after);
        File.ReadAllBytes(after).Should().Equal(File.ReadAllBytes(before), "the weights, Adam state, training state and generator are unchanged");
    }

    [Fact]
    public void Load_CheckpointOfAnotherNetworkShape_ThrowsTypedAndChangesNothing()
    {
        string path = Path.Combine(_folder, "wide.ckpt");
        using (var wide = Trained(seed: 1, episode: 7, width: 16))
        {
            wide.Save(path);
        }

        using var target = Trained(seed: 2, episode: 3);
        var weightsBefore = SyntheticClasses.Weights(target.Embedder);

        var act = () => TrainingCheckpoint.Load(path, Recipe, Identity, target.State, target.Embedder.Network, target.Optimizer);

        act.Should().Throw<CheckpointFormatException>().WithMessage($"The training checkpoint '{path}' *");
        SyntheticClasses.Weights(target.Embedder).Should().BeEquivalentTo(weightsBefore, o => o.WithStrictOrdering());
        target.State.Episode.Should().Be(3);
    }

    [Fact]
    public void Load_Version1Checkpoint_ThrowsAskingToStartOver()
    {
        string path = Path.Combine(_folder, "old.ckpt");
        using (var writer = new BinaryWriter(File.Create(path), Encoding.UTF8))
        {
            writer.Write("OneShot.PrototypicalTrainer.Checkpoint");
            writer.Write(1);
            writer.Write(Recipe);
        }

        using var target = Trained(seed: 2, episode: 3);

        var act = () => TrainingCheckpoint.Load(path, Recipe, Identity, target.State, target.Embedder.Network, target.Optimizer);

        act.Should().Throw<CheckpointFormatException>().WithMessage(
            $"The training checkpoint '{path}' was written by an older OneShot (checkpoint format 1, without a length or checksum) and cannot be resumed safely. Delete it, or set Resume = false (or another CheckpointPath), to start over.");
    }

    [Fact]
    public void Load_OtherRecipe_ThrowsBeforeApplyingAnything()
    {
        string path = Path.Combine(_folder, "r.ckpt");
        using (var source = Trained(seed: 1, episode: 7))
        {
            source.Save(path);
        }

        using var target = Trained(seed: 2, episode: 3);

        var act = () => TrainingCheckpoint.Load(path, "other", Identity, target.State, target.Embedder.Network, target.Optimizer);

        act.Should().Throw<OneShotException>().WithMessage("*was written with another training recipe: it has 'recipe', this run has 'other'*");
        target.State.Episode.Should().Be(3);
    }

    /// <summary>An embedder after one Adam step, with a training state, its best weights and a seeded generator.</summary>
    private static Run Trained(int seed, int episode, int width = 8)
    {
        var embedder = SyntheticClasses.TinyConv4(seed, width);
        var optimizer = optim.Adam(embedder.Network.parameters(), lr: 0.01);
        using (var scope = NewDisposeScope())
        {
            embedder.Network.train();
            var images = rand([4, 1, 28, 28], generator: new Generator((ulong)seed));
            var loss = embedder.Network.forward(images).pow(2).mean();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var state = new TrainingState { Episode = episode };
        if (episode > 0)
        {
            state.BestLoss = 0.25;
            state.BestAccuracy = 0.75;
            state.BestEpisode = episode;
            state.StaleValidations = 2;
            state.KeepBest(embedder.Network);
        }

        random.manual_seed(seed + 100);
        return new Run(embedder, optimizer, state);
    }

    private static byte[] Frame(byte[] payload)
    {
        using var buffer = new MemoryStream();
        ChecksummedFile.WriteTo(buffer, TrainingCheckpoint.Format, payload);
        return buffer.ToArray();
    }

    /// <summary>The payload with <paramref name="section"/> cut to half its length (its length prefix adjusted).</summary>
    private static byte[] Shorten(byte[] payload, (int Start, int Length) section)
    {
        int half = section.Length / 2;
        byte[] prefix = BitConverter.GetBytes((long)half);
        return [.. payload[..(section.Start - 8)], .. prefix, .. payload[section.Start..(section.Start + half)], .. payload[(section.Start + section.Length)..]];
    }

    /// <summary>Where the generator, network and optimizer sections' data start in the payload, and their lengths.</summary>
    private static ((int Start, int Length) Rng, (int Start, int Length) Network, (int Start, int Length) Optimizer) Sections(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        reader.ReadString();
        reader.ReadString();
        reader.ReadBytes(4 + 9 + 9 + 4 + 4 + 1);
        (int, int) Next()
        {
            int length = (int)reader.ReadInt64();
            int start = (int)reader.BaseStream.Position;
            reader.BaseStream.Position += length;
            return (start, length);
        }

        return (Next(), Next(), Next());
    }

    private static byte[] Flip(byte[] bytes, int index, byte value = 0)
    {
        byte[] copy = bytes.ToArray();
        copy[index] = value == 0 ? (byte)(copy[index] ^ 0x5A) : value;
        return copy;
    }

    private sealed record Run(Embedder Embedder, Adam Optimizer, TrainingState State) : IDisposable
    {
        public void Save(string path) =>
            TrainingCheckpoint.Save(path, Recipe, Identity, State, Embedder.Network, Optimizer);

        public void Dispose()
        {
            State.Dispose();
            Optimizer.Dispose();
            Embedder.Dispose();
        }
    }
}
