using System.Buffers.Binary;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using OneShot.Build;

namespace OneShot.Tests.Build;

public sealed class ElfVersionNeedPatcherTests : IDisposable
{
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-elf");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void MarkWeak_RequiredVersion_SetsExactlyTheWeakFlag()
    {
        var (data, offsets) = ElfFixture.Build(("GLIBCXX_3.4.30", 0), ("GLIBCXX_3.4.32", 0x1), ("GLIBCXX_3.4", 0));
        byte[] before = (byte[])data.Clone();

        var outcome = ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32");

        outcome.Should().Be(ElfPatchOutcome.Patched);
        BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offsets["GLIBCXX_3.4.32"])).Should().Be(0x3, "the existing flag 0x1 is kept and 0x2 added");
        var changed = Enumerable.Range(0, data.Length).Where(i => data[i] != before[i]).ToArray();
        changed.Should().Equal(offsets["GLIBCXX_3.4.32"]);
    }

    [Fact]
    public void MarkWeak_SecondRun_IsIdempotent()
    {
        var (data, _) = ElfFixture.Build(("GLIBCXX_3.4.32", 0));
        ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32").Should().Be(ElfPatchOutcome.Patched);
        byte[] once = (byte[])data.Clone();

        ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32").Should().Be(ElfPatchOutcome.AlreadyWeak);

        data.Should().Equal(once);
    }

    [Fact]
    public void MarkWeak_VersionNotRequired_LeavesDataUnchanged()
    {
        var (data, _) = ElfFixture.Build(("GLIBCXX_3.4.30", 0), ("GLIBCXX_3.4.29", 0));
        byte[] before = (byte[])data.Clone();

        ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32").Should().Be(ElfPatchOutcome.NotRequired);

        data.Should().Equal(before);
    }

    [Fact]
    public void MarkWeak_NotElf_ThrowsNamingTheSource()
    {
        var data = new byte[128];
        data[0] = (byte)'M';
        data[1] = (byte)'Z';

        var act = () => ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32", "lib.dll");

        act.Should().Throw<InvalidDataException>().WithMessage("*lib.dll*not an ELF file*");
    }

    [Fact]
    public void MarkWeak_TruncatedSectionTable_ThrowsInvalidData()
    {
        var (data, _) = ElfFixture.Build(("GLIBCXX_3.4.32", 0));
        byte[] truncated = data[..(data.Length - 80)];

        var act = () => ElfVersionNeedPatcher.MarkWeak(truncated, "GLIBCXX_3.4.32", "cut.so");

        act.Should().Throw<InvalidDataException>().WithMessage("*cut.so*truncated*");
    }

    [Fact]
    public void MarkWeak_File_RewritesThroughTemporaryFileAndKeepsOtherLinks()
    {
        var (data, offsets) = ElfFixture.Build(("GLIBCXX_3.4.32", 0));
        string original = Path.Combine(_folder, "cache.so");
        string copy = Path.Combine(_folder, "output.so");
        File.WriteAllBytes(original, data);
        File.CreateSymbolicLink(copy, original);

        ElfVersionNeedPatcher.MarkWeak(copy).Should().Be(ElfPatchOutcome.Patched);

        File.ReadAllBytes(original).Should().Equal(data, "the file the output pointed to (like a NuGet cache entry) is never written");
        new FileInfo(copy).LinkTarget.Should().BeNull("the output copy is replaced by a regular file");
        BinaryPrimitives.ReadUInt16LittleEndian(File.ReadAllBytes(copy).AsSpan(offsets["GLIBCXX_3.4.32"])).Should().Be(ElfVersionNeedPatcher.WeakFlag);
    }

    [Fact]
    public void Task_Execute_PatchesEachFileAndReportsSuccess()
    {
        var (data, offsets) = ElfFixture.Build(("GLIBCXX_3.4.32", 0));
        string path = Path.Combine(_folder, "libLibTorchSharp.so");
        File.WriteAllBytes(path, data);
        var engine = new RecordingBuildEngine();
        var task = new MarkGlibcxxVersionWeak { BuildEngine = engine, Files = [new TaskItem(path)] };

        task.Execute().Should().BeTrue();

        engine.Errors.Should().BeEmpty();
        BinaryPrimitives.ReadUInt16LittleEndian(File.ReadAllBytes(path).AsSpan(offsets["GLIBCXX_3.4.32"])).Should().Be(ElfVersionNeedPatcher.WeakFlag);
    }

    [Fact]
    public void Task_Execute_CorruptFile_LogsErrorNamingIt()
    {
        string path = Path.Combine(_folder, "broken.so");
        File.WriteAllBytes(path, [1, 2, 3]);
        var engine = new RecordingBuildEngine();
        var task = new MarkGlibcxxVersionWeak { BuildEngine = engine, Files = [new TaskItem(path)] };

        task.Execute().Should().BeFalse();

        engine.Errors.Should().ContainSingle().Which.Should().Contain("broken.so");
    }

    [Fact]
    public void BuildOutput_LibTorchSharp_HasWeakGlibcxxRequirement()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        File.Exists(native).Should().BeTrue($"the test output holds the linux-x64 backend at {native}");
        byte[] data = File.ReadAllBytes(native);

        ElfVersionNeedPatcher.MarkWeak(data, "GLIBCXX_3.4.32").Should().Be(ElfPatchOutcome.AlreadyWeak, "the build step marked it weak");
    }

    private sealed class RecordingBuildEngine : IBuildEngine
    {
        public List<string> Errors { get; } = [];

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 0;

        public int ColumnNumberOfTaskNode => 0;

        public string ProjectFileOfTaskNode => "test.proj";

        public bool BuildProjectFile(string projectFileName, string[] targetNames, System.Collections.IDictionary globalProperties, System.Collections.IDictionary targetOutputs) => true;

        public void LogCustomEvent(CustomBuildEventArgs e)
        {
        }

        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e.Message ?? string.Empty);

        public void LogMessageEvent(BuildMessageEventArgs e)
        {
        }

        public void LogWarningEvent(BuildWarningEventArgs e)
        {
        }
    }
}
