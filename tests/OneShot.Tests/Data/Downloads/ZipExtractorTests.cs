using System.IO.Compression;
using System.Text;
using OneShot.Data.Downloads;

namespace OneShot.Tests.Data.Downloads;

public sealed class ZipExtractorTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-zip");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Extract_EntryClimbingOutOfTarget_ThrowsAndWritesNothing()
    {
        string zip = MakeZip("slip.zip", "good.txt", "../evil.txt");
        string target = Path.Combine(_folder, "out");

        var act = () => ZipExtractor.Extract(zip, target);

        var ex = act.Should().Throw<UnsafeArchiveException>().Which;
        ex.EntryName.Should().Be("../evil.txt");
        ex.ArchivePath.Should().Be(zip);
        ex.Message.Should().Contain("'../evil.txt'").And.Contain(target);
        File.Exists(Path.Combine(_folder, "evil.txt")).Should().BeFalse();
        File.Exists(Path.Combine(target, "good.txt")).Should().BeFalse("entries are all checked before any is written");
    }

    [Fact]
    public void Extract_EntryWithAbsolutePath_Throws()
    {
        string outside = Path.Combine(_folder, "absolute.txt");
        string zip = MakeZip("abs.zip", outside);

        var act = () => ZipExtractor.Extract(zip, Path.Combine(_folder, "out"));

        act.Should().Throw<UnsafeArchiveException>().Which.EntryName.Should().Be(outside);
        File.Exists(outside).Should().BeFalse();
    }

    [Fact]
    public void Extract_SiblingFolderWithSamePrefix_Throws()
    {
        // "out-evil" starts with "out" as a string but is not inside "out/".
        string zip = MakeZip("prefix.zip", "../out-evil/x.txt");

        var act = () => ZipExtractor.Extract(zip, Path.Combine(_folder, "out"));

        act.Should().Throw<UnsafeArchiveException>();
        Directory.Exists(Path.Combine(_folder, "out-evil")).Should().BeFalse();
    }

    [Fact]
    public void Extract_NestedEntries_WritesEveryFileWithItsContent()
    {
        string zip = MakeZip("ok.zip", "images/", "images/a/1.txt", "images/b/2.txt", "top.txt");
        string target = Path.Combine(_folder, "out");

        int files = ZipExtractor.Extract(zip, target);

        files.Should().Be(3);
        File.ReadAllText(Path.Combine(target, "images", "a", "1.txt")).Should().Be("images/a/1.txt");
        File.ReadAllText(Path.Combine(target, "images", "b", "2.txt")).Should().Be("images/b/2.txt");
        File.ReadAllText(Path.Combine(target, "top.txt")).Should().Be("top.txt");
    }

    /// <summary>A zip whose file entries hold their own name as text; names ending in '/' are directory entries.</summary>
    private string MakeZip(string name, params string[] entries)
    {
        string path = Path.Combine(_folder, name);
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (string entryName in entries)
        {
            ZipArchiveEntry entry = archive.CreateEntry(entryName);
            if (!entryName.EndsWith('/'))
            {
                using Stream stream = entry.Open();
                stream.Write(Encoding.UTF8.GetBytes(entryName));
            }
        }

        return path;
    }
}
