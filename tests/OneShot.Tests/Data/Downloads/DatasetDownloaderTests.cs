using System.Net;
using System.Security.Cryptography;
using OneShot.Data.Downloads;
using OneShot.Data;
using OneShot.Tests.Data;

namespace OneShot.Tests.Data.Downloads;

public sealed class DatasetDownloaderTests : IDisposable
{
    private readonly LoopbackHttpServer _server = new();
    private readonly HttpClient _http = new();
    private readonly string _folder = TestPaths.NewTempFolder("oneshot-download");
    private readonly byte[] _payload = RandomPayload(1_000_000, seed: 3);

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task DownloadAsync_PartialFileAndRangeSupport_DownloadsOnlyTheRest()
    {
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "data.bin", _payload);
        string target = Path.Combine(_folder, "data.bin");
        File.WriteAllBytes(target + ".partial", _payload.AsSpan(0, 400_000).ToArray());

        string path = await new DatasetDownloader(_http).DownloadAsync(file, _folder);

        path.Should().Be(target);
        File.ReadAllBytes(target).Should().Equal(_payload);
        File.Exists(target + ".partial").Should().BeFalse();
        _server.Requests.Should().Equal("data.bin Range: bytes=400000-");
        _server.BytesSent.Should().Be(600_000);
    }

    [Fact]
    public async Task DownloadAsync_ServerIgnoresRange_StartsOverAndCompletes()
    {
        _server.SupportsRange = false;
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "data.bin", _payload);
        string target = Path.Combine(_folder, "data.bin");
        File.WriteAllBytes(target + ".partial", _payload.AsSpan(0, 400_000).ToArray());

        await new DatasetDownloader(_http).DownloadAsync(file, _folder);

        File.ReadAllBytes(target).Should().Equal(_payload);
        _server.BytesSent.Should().Be(_payload.Length);
    }

    [Fact]
    public async Task DownloadAsync_PartialFileOfAnotherFile_RestartsCleanlyAfterChecksumFailure()
    {
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "data.bin", _payload);
        string target = Path.Combine(_folder, "data.bin");
        File.WriteAllBytes(target + ".partial", RandomPayload(300_000, seed: 99));

        await new DatasetDownloader(_http).DownloadAsync(file, _folder);

        File.ReadAllBytes(target).Should().Equal(_payload);
        _server.Requests.Should().Equal("data.bin Range: bytes=300000-", "data.bin");
    }

    [Fact]
    public async Task DownloadAsync_ContentNotMatchingSha256_ThrowsAndLeavesNoFile()
    {
        byte[] tampered = (byte[])_payload.Clone();
        tampered[500_000] ^= 0xFF;
        RemoteFile file = Describe(_server.Serve("data.bin", tampered), "data.bin", _payload);

        var act = () => new DatasetDownloader(_http).DownloadAsync(file, _folder);

        var ex = (await act.Should().ThrowAsync<ChecksumMismatchException>()).Which;
        ex.Algorithm.Should().Be("SHA-256");
        ex.Expected.Should().Be(Convert.ToHexStringLower(SHA256.HashData(_payload)));
        ex.Actual.Should().Be(Convert.ToHexStringLower(SHA256.HashData(tampered)));
        ex.Message.Should().Contain(file.Url.ToString());
        Directory.GetFiles(_folder).Should().BeEmpty("neither the target nor a partial file is kept");
    }

    [Fact]
    public async Task DownloadAsync_Md5AndSize_VerifiesOfficialStyleChecksums()
    {
        Uri url = _server.Serve("data.bin", _payload);
        var good = new RemoteFile(url, "good.bin", md5: Convert.ToHexStringLower(MD5.HashData(_payload))) { Size = _payload.Length };
        var wrongSize = new RemoteFile(url, "bad.bin", md5: Convert.ToHexStringLower(MD5.HashData(_payload))) { Size = _payload.Length + 1 };
        var downloader = new DatasetDownloader(_http);

        await downloader.DownloadAsync(good, _folder);
        var act = () => downloader.DownloadAsync(wrongSize, _folder);

        File.ReadAllBytes(Path.Combine(_folder, "good.bin")).Should().Equal(_payload);
        var ex = (await act.Should().ThrowAsync<ChecksumMismatchException>()).Which;
        ex.Algorithm.Should().Be("size");
        ex.Message.Should().Contain("1000000 bytes, expected 1000001 bytes");
        File.Exists(Path.Combine(_folder, "bad.bin")).Should().BeFalse();
    }

    [Fact]
    public async Task DownloadAsync_MissingOnServer_ThrowsDownloadExceptionWith404()
    {
        var file = new RemoteFile(new Uri(_server.BaseUri, "nothing.zip"), "nothing.zip", md5: new string('0', 32));

        var act = () => new DatasetDownloader(_http).DownloadAsync(file, _folder);

        var ex = (await act.Should().ThrowAsync<DownloadException>()).Which;
        ex.StatusCode.Should().Be(HttpStatusCode.NotFound);
        ex.Message.Should().Contain("nothing.zip").And.Contain("404");
    }

    [Fact]
    public async Task DownloadAsync_VerifiedFileAlreadyThere_SendsNoRequest()
    {
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "nested/data.bin", _payload);
        Directory.CreateDirectory(Path.Combine(_folder, "nested"));
        File.WriteAllBytes(Path.Combine(_folder, "nested", "data.bin"), _payload);

        await new DatasetDownloader(_http).DownloadAsync(file, _folder);

        _server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task DownloadAsync_WithProgress_ReportsUpToTheTotal()
    {
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "data.bin", _payload);
        var reports = new List<DownloadProgress>();
        var progress = new SynchronousProgress<DownloadProgress>(reports.Add);

        await new DatasetDownloader(_http).DownloadAsync(file, _folder, progress);

        reports.Should().NotBeEmpty();
        reports[^1].Should().Be(new DownloadProgress("data.bin", _payload.Length, _payload.Length));
        reports.Select(r => r.BytesReceived).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task DownloadAsync_Cancelled_ThrowsAndWritesNothing()
    {
        RemoteFile file = Describe(_server.Serve("data.bin", _payload), "data.bin", _payload);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var act = () => new DatasetDownloader(_http).DownloadAsync(file, _folder, cancellationToken: cancelled.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        Directory.GetFiles(_folder).Should().BeEmpty();
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public async Task DownloadAllAsync_SharedOmniglotFiles_VerifySha256AndOpenAsDataset()
    {
        string shared = TestPaths.Omniglot;
        var sums = File.ReadAllLines(Path.Combine(shared, "SHA256SUMS"))
            .Select(l => l.Split("  ")).ToDictionary(p => p[1], p => p[0]);
        var files = new List<RemoteFile>();
        foreach (string name in new[] { "images_background.zip", "images_evaluation.zip" })
        {
            files.Add(new RemoteFile(_server.Serve(name, File.ReadAllBytes(Path.Combine(shared, name))), name, sha256: sums[name]));
        }

        foreach (RemoteFile split in OmniglotFiles.VinyalsSplits)
        {
            // Same names, sizes and pinned checksums as the official list; only the host is the loopback server.
            byte[] content = File.ReadAllBytes(Path.Combine(shared, split.FileName));
            files.Add(new RemoteFile(_server.Serve(split.FileName, content), split.FileName, sha256: split.Sha256) { Size = split.Size });
        }

        IReadOnlyList<string> paths = await new DatasetDownloader(_http).DownloadAllAsync(files, _folder);

        paths.Should().HaveCount(6);
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(paths[0]))).Should().Be(sums["images_background.zip"]);
        OmniglotDataset.ListClasses(_folder, new OmniglotOptions { Split = OmniglotSplit.Test }).Should().HaveCount(1692);
        OmniglotDataset.ListClasses(_folder, new OmniglotOptions { Split = OmniglotSplit.Background }).Should().HaveCount(964);
    }

    [Fact]
    [Trait("Category", TestPaths.SharedDataTrait)]
    public async Task DownloadAsync_TamperedSharedArchive_ThrowsChecksumMismatchAndCreatesNoFile()
    {
        string shared = TestPaths.Omniglot;
        string sha = File.ReadAllLines(Path.Combine(shared, "SHA256SUMS")).Single(l => l.EndsWith("images_evaluation.zip", StringComparison.Ordinal))[..64];
        byte[] tampered = File.ReadAllBytes(Path.Combine(shared, "images_evaluation.zip"));
        tampered[tampered.Length / 2] ^= 0x01;
        var file = new RemoteFile(_server.Serve("images_evaluation.zip", tampered), "images_evaluation.zip", sha256: sha);

        var act = () => new DatasetDownloader(_http).DownloadAsync(file, _folder);

        (await act.Should().ThrowAsync<ChecksumMismatchException>()).Which.Expected.Should().Be(sha);
        File.Exists(Path.Combine(_folder, "images_evaluation.zip")).Should().BeFalse();
        File.Exists(Path.Combine(_folder, "images_evaluation.zip.partial")).Should().BeFalse();
    }

    private static RemoteFile Describe(Uri url, string fileName, byte[] content) =>
        new(url, fileName, sha256: Convert.ToHexStringLower(SHA256.HashData(content)));

    private static byte[] RandomPayload(int length, int seed)
    {
        byte[] bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
