using System.CommandLine;
using System.Globalization;
using OneShot.Data.Downloads;
using OneShot.Data;

namespace OneShot.Cli;

/// <summary><c>oneshot download</c>: fetch and verify the Omniglot archives and the Vinyals split lists.</summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder to download into (files already there and verified are kept).", DefaultValueFactory = _ => "data/omniglot" };
        var command = new Command("download", "Download Omniglot (official archives, checked against their published MD5 and size) and the Vinyals split lists; resumes interrupted downloads.");
        command.Options.Add(output);
        command.SetAction(result => ExitCodes.Run(() =>
        {
            string folder = result.GetValue(output)!;
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
            var downloader = new DatasetDownloader(http);
            string last = string.Empty;
            var progress = new InlineProgress<DownloadProgress>(p =>
            {
                string line = p.TotalBytes is long total
                    ? string.Create(CultureInfo.InvariantCulture, $"{p.FileName}: {p.BytesReceived * 100 / Math.Max(1, total)}%")
                    : string.Create(CultureInfo.InvariantCulture, $"{p.FileName}: {p.BytesReceived / 1024} KiB");
                if (line != last && (p.BytesReceived == p.TotalBytes || !Console.IsOutputRedirected))
                {
                    Console.WriteLine(line);
                    last = line;
                }
            });
            var files = downloader.DownloadAllAsync(OmniglotFiles.All, folder, progress).GetAwaiter().GetResult();
            foreach (string file in files)
            {
                Console.WriteLine($"verified {file}");
            }

            Console.WriteLine($"Omniglot is ready: oneshot train --omniglot {folder} --split train ...");
            return ExitCodes.Success;
        }));
        return command;
    }
}
