using CsCheck;
using OneShot.Fuzz;

namespace OneShot.Tests.Fuzz;

/// <summary>
/// Property tests over every parser OneShot owns (the targets of fuzz/OneShot.Fuzz): mutated valid inputs (bit flips,
/// interesting bytes, cuts, insertions, repeats; for the gallery and checkpoint payloads also under a valid checksum, so
/// the mutations reach the payload parser) may only raise the library's typed exceptions, never crash, hang or run out
/// of memory. CsCheck reports a failing input shrunk, with the seed to replay it.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ParserFuzzTests
{
    public static TheoryData<string, int> Targets => new()
    {
        { "image", 1500 },
        { "gallery", 1500 },
        { "gallery-payload", 2000 },
        { "model-json", 500 },
        { "state-dict", 1500 },
        { "safetensors", 600 },
        { "checkpoint-payload", 200 },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task MutatedInputs_RaiseOnlyTypedExceptions(string name, int iterations)
    {
        var target = FuzzTargets.Find(name);
        var seeds = target.Seeds();
        var inputs = Gen.Select(Gen.Int[0, seeds.Count - 1], Gen.Int[0, int.MaxValue], (seed, mutation) => Mutator.Mutate(seeds[seed], mutation));

        var run = Task.Run(() => inputs.Sample(input => FuzzTargets.RunChecked(target, input), iter: iterations, threads: 1));

        (await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(2)))).Should().BeSameAs(run, $"{iterations} inputs of '{name}' must finish (no hang)");
        await run;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_ParseWithoutError(string name, int iterations)
    {
        _ = iterations;
        var target = FuzzTargets.Find(name);

        foreach (byte[] seed in target.Seeds())
        {
            target.Run(seed); // a valid input must parse: otherwise the mutations only test the first check
        }
    }

    [Fact]
    public void CommittedCorpus_EveryTargetHasSeedsAndEachParsesOrFailsTyped()
    {
        string corpus = Path.Combine(TestPaths.RepoRoot, "fuzz", "corpus");

        foreach (var target in FuzzTargets.All)
        {
            string[] files = Directory.GetFiles(Path.Combine(corpus, target.Name));
            files.Should().NotBeEmpty($"fuzz/corpus/{target.Name} holds the seeds of the CI smoke run");
            foreach (string file in files)
            {
                byte[] data = File.ReadAllBytes(file);
                FuzzTargets.RunChecked(target, data);
                for (int m = 0; m < 20; m++)
                {
                    FuzzTargets.RunChecked(target, Mutator.Mutate(data, m));
                }
            }
        }
    }
}
