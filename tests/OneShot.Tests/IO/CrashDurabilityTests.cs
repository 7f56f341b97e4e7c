using System.Diagnostics;
using OneShot.CrashChild;
using OneShot.Embeddings;
using OneShot.Galleries;
using OneShot.Serialization;
using OneShot.Testing;
using OneShot.Tests.Galleries;
using Xunit.Abstractions;

namespace OneShot.Tests.IO;

/// <summary>
/// Issue 12 "Crash and durability tests": a child process (tests/OneShot.CrashChild) saves a gallery or a model
/// folder in a loop and is killed with SIGKILL at random points. After every kill the file loads and holds a state
/// the child saved (the last one it reported, or the one it was about to report), and a successful load leaves no
/// temporary file behind. Slow (about 2 minutes each on a busy 2-core machine: mostly the child's start-up).
/// </summary>
[Trait("Category", "Slow")]
public sealed class CrashDurabilityTests : IDisposable
{
    private const int Kills = 30;
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-crash");
    private readonly ITestOutputHelper _output;

    public CrashDurabilityTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void GallerySave_KilledThirtyTimes_AlwaysLoadsASavedStateAndLeavesNoTemporaries()
    {
        string path = Path.Combine(_folder, "crash.gallery");
        var random = new Random(12);
        int killsLeavingTemporaries = 0;
        var clock = Stopwatch.StartNew();
        for (int kill = 0; kill < Kills; kill++)
        {
            int reported = RunAndKill("gallery", path, TimeSpan.FromMilliseconds(random.Next(0, 250)));

            string[] temporaries = Temporaries();
            killsLeavingTemporaries += temporaries.Length > 0 ? 1 : 0;
            var info = Gallery.ReadInfo(path);
            int state = int.Parse(info.Properties["state"], System.Globalization.CultureInfo.InvariantCulture);
            state.Should().BeOneOf([reported, reported + 1], "kill {0}: the file holds the last state reported or the one being saved", kill);
            info.Counts.Select(c => c.Key).Should().Equal(CrashChildLayout.LabelsOf(state));
            info.Counts.Should().OnlyContain(c => c.Value == CrashChildLayout.RowsPerLabel);
            using (var loaded = Gallery.Load(path, new FlattenEmbedder(height: 1, width: CrashChildLayout.EmbeddingSize)))
            using (var newest = loaded.GetEmbeddings(CrashChildLayout.Label(state)))
            {
                newest.data<float>().ToArray().Should().OnlyContain(v => v == state);
            }

            Temporaries().Should().BeEmpty("kill {0}: the successful load removed {1}", kill, string.Join(", ", temporaries));
        }

        _output.WriteLine($"{Kills} SIGKILLs in {clock.Elapsed.TotalSeconds:F1} s; {killsLeavingTemporaries} left a temporary file, removed by the next load.");
    }

    [Fact]
    public void ModelSave_KilledThirtyTimes_AlwaysLoadsASavedStateAndLeavesNoTemporaries()
    {
        string directory = Path.Combine(_folder, "model");
        var random = new Random(13);
        int killsLeavingTemporaries = 0;
        var clock = Stopwatch.StartNew();
        for (int kill = 0; kill < Kills; kill++)
        {
            int reported = RunAndKill("model", directory, TimeSpan.FromMilliseconds(random.Next(0, 250)));

            string[] temporaries = Temporaries(directory);
            killsLeavingTemporaries += temporaries.Length > 0 ? 1 : 0;
            string description = ModelFile.ReadMetadata(directory).Description!;
            int state = int.Parse(description["state ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            state.Should().BeOneOf([reported, reported + 1], "kill {0}: the folder holds the last state reported or the one being saved", kill);
            using (var embedder = ModelFile.Load(directory, DeviceChoice.Cpu))
            {
                embedder.Network.parameters().Should().OnlyContain(p => p.data<float>().ToArray().All(v => v == CrashChildLayout.WeightOf(state)));
            }

            Temporaries(directory).Should().BeEmpty("kill {0}: the successful load removed {1}", kill, string.Join(", ", temporaries));
        }

        _output.WriteLine($"{Kills} SIGKILLs in {clock.Elapsed.TotalSeconds:F1} s; {killsLeavingTemporaries} left a temporary file, removed by the next load.");
    }

    /// <summary>Starts the child, waits until it has saved once, lets it run for <paramref name="delay"/>, kills it; returns the last state it reported.</summary>
    private static int RunAndKill(string mode, string path, TimeSpan delay)
    {
        int reported = 0;
        KilledChild.RunAndKill(Path.Combine(AppContext.BaseDirectory, "OneShot.CrashChild.dll"), [mode, path], line =>
        {
            if (!line.StartsWith("saved ", StringComparison.Ordinal))
            {
                return false;
            }

            Volatile.Write(ref reported, int.Parse(line["saved ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }, delay, "saving");
        return Volatile.Read(ref reported);
    }

    private string[] Temporaries(string? folder = null) => Directory.GetFiles(folder ?? _folder, ".*.tmp");
}
