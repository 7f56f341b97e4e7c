using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace OneShot.Tests.Packaging;

/// <summary>Packs the library as a user gets it and checks what is inside.</summary>
public sealed class NuGetPackageTests : IDisposable
{
    private readonly string _out = TestPaths.NewTempFolder("oneshot-pack");

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void Pack_Library_HoldsDllDocsReadmeTargetsAndExactlyTheLibraryDependencies()
    {
        string version = "0.1.0-test." + Environment.ProcessId;
        Pack(version);

        string nupkg = Path.Combine(_out, $"OneShot.{version}.nupkg");
        File.Exists(Path.Combine(_out, $"OneShot.{version}.snupkg")).Should().BeTrue("symbols ship as a .snupkg");
        using var zip = ZipFile.OpenRead(nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        entries.Should().Contain([
            "lib/net10.0/OneShot.dll",
            "lib/net10.0/OneShot.xml",
            "README.md",
            "buildTransitive/OneShot.targets",
            "buildTransitive/GlibcxxWeakVersion.cs",
        ]);
        entries.Should().NotContain(e => e.Contains("libtorch", StringComparison.OrdinalIgnoreCase) || e.EndsWith(".so", StringComparison.Ordinal));

        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        using var nuspecStream = zip.GetEntry("OneShot.nuspec")!.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Element(ns + "metadata")!;
        metadata.Element(ns + "license")!.Value.Should().Be("MIT");
        metadata.Element(ns + "license")!.Attribute("type")!.Value.Should().Be("expression");
        metadata.Element(ns + "readme")!.Value.Should().Be("README.md");
        metadata.Element(ns + "version")!.Value.Should().Be(version);
        metadata.Element(ns + "repository")!.Attribute("url")!.Value.Should().StartWith("https://");
        metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).Order(StringComparer.Ordinal)
            .Should().Equal("OnnxSharp", "SkiaSharp", "SkiaSharp.NativeAssets.Linux.NoDependencies", "TorchSharp");

        using var symbols = ZipFile.OpenRead(Path.Combine(_out, $"OneShot.{version}.snupkg"));
        using var pdb = new MemoryStream();
        symbols.GetEntry("lib/net10.0/OneShot.pdb")!.Open().CopyTo(pdb);
        System.Text.Encoding.UTF8.GetString(pdb.ToArray()).Should().Contain("https://raw.githubusercontent.com/oneshot-dotnet/OneShot/", "Source Link maps the sources to the repository");

        using var targets = new StreamReader(zip.GetEntry("buildTransitive/OneShot.targets")!.Open());
        string text = targets.ReadToEnd();
        text.Should().Contain("MarkGlibcxxVersionWeak").And.Contain("OneShotSkipGlibcxxCompat").And.Contain("AfterTargets=\"Publish\"");
    }

    private void Pack(string version)
    {
        string project = Path.Combine(TestPaths.RepoRoot, "src", "OneShot", "OneShot.csproj");
        var start = new ProcessStartInfo("dotnet", ["pack", project, "-c", "Release", "-o", _out, $"-p:VersionSuffix={version["0.1.0-".Length..]}", "-nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit(TimeSpan.FromMinutes(5)).Should().BeTrue("dotnet pack should finish in 5 minutes");
        process.ExitCode.Should().Be(0, $"dotnet pack failed:\n{stdout.Result}\n{stderr}");
    }
}
