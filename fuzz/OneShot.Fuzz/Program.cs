using OneShot.Fuzz;
using SharpFuzz;

// oneshot-fuzz: fuzz harnesses for OneShot's parsers (see README.md).
//   afl TARGET               run under afl-fuzz (SharpFuzz out-of-process mode; the OneShot.dll must be instrumented)
//   libfuzzer TARGET         run under libFuzzer (SharpFuzz's libfuzzer-dotnet driver)
//   make-corpus DIR          write every target's seed inputs to DIR/TARGET/
//   smoke DIR [MUTATIONS]    run every target over DIR/TARGET/* and MUTATIONS mutations of each (default 50)
//   run TARGET FILE...       run one target on files (reproduce a crash)
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: oneshot-fuzz afl|libfuzzer TARGET | make-corpus DIR | smoke DIR [MUTATIONS] | run TARGET FILE...");
    Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

switch (args[0])
{
    case "afl":
    {
        // No instrumented code (OneShot.dll, whose module initializer runs on first use) may run before SharpFuzz has
        // mapped AFL's coverage memory inside Run: the first instrumented branch would write to an unmapped map
        // (an AccessViolationException in <Module>..cctor, the fork server dies). So the target is resolved inside, once.
        string name = args[1];
        FuzzTarget? target = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            FuzzTargets.RunChecked(target ??= FuzzTargets.Find(name), buffer.ToArray());
        });
        return 0;
    }

    case "libfuzzer":
    {
        string name = args[1];
        FuzzTarget? target = null;
        Fuzzer.LibFuzzer.Run(span => FuzzTargets.RunChecked(target ??= FuzzTargets.Find(name), span.ToArray()));
        return 0;
    }

    case "make-corpus":
        foreach (var target in FuzzTargets.All)
        {
            string dir = Path.Combine(args[1], target.Name);
            Directory.CreateDirectory(dir);
            var seeds = target.Seeds();
            for (int i = 0; i < seeds.Count; i++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"seed{i}"), seeds[i]);
            }

            Console.WriteLine($"{target.Name}: {seeds.Count} seeds");
        }

        return 0;

    case "smoke":
    {
        int mutations = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50;
        int failures = 0;
        foreach (var target in FuzzTargets.All)
        {
            string dir = Path.Combine(args[1], target.Name);
            var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
            if (files.Length == 0)
            {
                Console.Error.WriteLine($"{target.Name}: no corpus files in {dir}");
                failures++;
                continue;
            }

            var watch = System.Diagnostics.Stopwatch.StartNew();
            int runs = 0;
            foreach (string file in files)
            {
                byte[] seed = File.ReadAllBytes(file);
                for (int m = -1; m < mutations; m++)
                {
                    byte[] input = m < 0 ? seed : Mutator.Mutate(seed, m);
                    runs++;
                    try
                    {
                        FuzzTargets.RunChecked(target, input);
                    }
                    catch (Exception e)
                    {
                        failures++;
                        string saved = Path.Combine(Path.GetTempPath(), $"oneshot-fuzz-{target.Name}-{Path.GetFileName(file)}-{m}");
                        File.WriteAllBytes(saved, input);
                        Console.Error.WriteLine($"{target.Name}: {file} mutation {m} threw {e.GetType().Name}: {e.Message} (input saved to {saved})");
                    }
                }
            }

            Console.WriteLine($"{target.Name}: {runs} inputs in {watch.ElapsedMilliseconds} ms");
        }

        Console.WriteLine(failures == 0 ? "fuzz smoke: no untyped exception" : $"fuzz smoke: {failures} failures");
        return failures == 0 ? 0 : 1;
    }

    case "run":
    {
        var target = FuzzTargets.Find(args[1]);
        foreach (string file in args.Skip(2))
        {
            target.Run(File.ReadAllBytes(file)); // throws: the stack trace of a crash
            Console.WriteLine($"{file}: parsed");
        }

        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
