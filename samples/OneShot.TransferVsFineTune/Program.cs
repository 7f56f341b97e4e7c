using OneShot;
using OneShot.TransferVsFineTune;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(ComparisonOptions.Usage);
    return 0;
}

ComparisonOptions options;
try
{
    options = ComparisonOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine(ComparisonOptions.Usage);
    return 1;
}

try
{
    ComparisonRunner.Run(options, Console.Out);
    return 0;
}
catch (Exception ex) when (ex is OneShotException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
