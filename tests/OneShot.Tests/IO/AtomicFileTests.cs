using OneShot.Galleries;
using OneShot.IO;
using OneShot.Tests.Galleries;
using static OneShot.Tests.Classification.TestTensors;

namespace OneShot.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-atomic");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Write_NewFile_HasTheContentAndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_folder, "sub", "a.bin");

        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        File.ReadAllBytes(path).Should().Equal(1, 2, 3);
        Directory.GetFiles(Path.GetDirectoryName(path)!).Should().Equal(path);
    }

    [Fact]
    public void Write_StaleTemporariesOfThisFile_RemovesOnlyThem()
    {
        string path = Path.Combine(_folder, "g.gallery");
        string[] ours = [Stale("g.gallery"), Stale("g.gallery")];
        string[] others =
        [
            Stale("other.gallery"),
            Path.Combine(_folder, ".g.gallery.not-a-guid.tmp"),
            Path.Combine(_folder, ".g.gallery.0123456789ABCDEF0123456789ABCDEF.tmp"),
            Path.Combine(_folder, "g.gallery.0123456789abcdef0123456789abcdef.tmp"),
            Path.Combine(_folder, ".g.gallery.0123456789abcdef0123456789abcdef.tmp.bak"),
        ];
        foreach (string other in others)
        {
            File.WriteAllText(other, "x");
        }

        AtomicFile.WriteAllText(path, "new");

        File.ReadAllText(path).Should().Be("new");
        ours.Should().OnlyContain(p => !File.Exists(p));
        Directory.GetFiles(_folder).Order(StringComparer.Ordinal).Should().Equal(others.Append(path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RemoveStaleTemporaries_TemporaryHeldOpenByAWriter_IsKept()
    {
        string path = Path.Combine(_folder, "g.gallery");
        string held = Stale("g.gallery");
        string stale = Stale("g.gallery");

        int removed;
        using (new FileStream(held, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            removed = AtomicFile.RemoveStaleTemporaries(path);
        }

        removed.Should().Be(1);
        File.Exists(held).Should().BeTrue();
        File.Exists(stale).Should().BeFalse();
    }

    [Fact]
    public void GalleryLoadAndSave_StaleTemporaryFromAKilledSave_IsRemoved()
    {
        // Issue 12 finding 3: a SIGKILL during Gallery.Save left .<name>.<guid>.tmp that nothing removed.
        string path = Path.Combine(_folder, "k.gallery");
        using var gallery = new Gallery(new FlattenEmbedder());
        using var row = Rows([1, 2, 3, 4]);
        gallery.EnrollEmbeddings("a", row);
        gallery.Save(path);
        string afterSave = Stale("k.gallery");

        using (Gallery.Load(path, new FlattenEmbedder()))
        {
        }

        File.Exists(afterSave).Should().BeFalse("a successful load removes it");
        string beforeReadInfo = Stale("k.gallery");
        Gallery.ReadInfo(path).Count.Should().Be(1);
        File.Exists(beforeReadInfo).Should().BeFalse("a successful ReadInfo removes it");
        string beforeSave = Stale("k.gallery");
        gallery.Save(path);
        File.Exists(beforeSave).Should().BeFalse("a successful save removes it");
        Directory.GetFiles(_folder).Should().Equal(path);
    }

    [Fact]
    public void GalleryLoad_DamagedFile_KeepsTheTemporaries()
    {
        string path = Path.Combine(_folder, "bad.gallery");
        File.WriteAllText(path, "not a gallery");
        string stale = Stale("bad.gallery");

        var act = () => Gallery.Load(path, new FlattenEmbedder());

        act.Should().Throw<GalleryFormatException>();
        File.Exists(stale).Should().BeTrue("only a successful load cleans up");
    }

    [Fact]
    public void DirectorySyncFlush_ExistingDirectory_Succeeds()
    {
        var act = () => DirectorySync.Flush(_folder);

        act.Should().NotThrow();
    }

    [Fact]
    public void DirectorySyncFlush_MissingDirectory_ThrowsIOExceptionWithErrno()
    {
        string missing = Path.Combine(_folder, "missing");

        var act = () => DirectorySync.Flush(missing);

        if (OperatingSystem.IsWindows())
        {
            act.Should().NotThrow();
        }
        else
        {
            // ENOENT is 2 on Linux and macOS: the native open really ran.
            act.Should().Throw<IOException>().WithMessage($"Could not open the directory '{missing}' to flush it to disk (errno 2).");
        }
    }

    [Theory]
    [InlineData(".g.gallery.0123456789abcdef0123456789abcdef.tmp", "g.gallery", true)]
    [InlineData(".model.json.0123456789abcdef0123456789abcdef.tmp", "model.json", true)]
    [InlineData(".g.gallery.0123456789abcdef0123456789abcdef.tmp", "gallery", false)]
    [InlineData(".g.gallery.0123456789abcdef.tmp", "g.gallery", false)]
    [InlineData("g.gallery", "g.gallery", false)]
    public void IsTemporaryNameOf_MatchesOnlyOurNames(string name, string target, bool expected) =>
        AtomicFile.IsTemporaryNameOf(name, target).Should().Be(expected);

    private string Stale(string fileName)
    {
        string path = Path.Combine(_folder, AtomicFile.TemporaryNameFor(fileName));
        File.WriteAllText(path, "half-written");
        return path;
    }
}
