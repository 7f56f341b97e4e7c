using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>
/// The page in headless Chromium against the service on a real Kestrel port: a person drops support images per label,
/// then drops query images and sees each thumbnail with its predicted label and confidence. Uses Debian's chromium
/// (<c>apt-get install chromium</c>; .ci/run installs it): Playwright's own browser download cannot be used here. Skipped,
/// with that message, when it is not installed (ONESHOT_CHROMIUM names another browser binary).
/// </summary>
public sealed partial class BrowserTests
{
    /// <summary>Debian's chromium, or the browser named by the ONESHOT_CHROMIUM environment variable.</summary>
    private static readonly string ChromiumPath = Environment.GetEnvironmentVariable("ONESHOT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [SkippableFact]
    public async Task Page_DropSupportThenQuery_ShowsThePredictedLabelAndConfidence()
    {
        Skip.IfNot(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath} (apt-get install -y chromium; .ci/run installs it), so the browser test cannot run.");
        await using var service = await RunningService.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        // Generous: the machine may be busy with other test assemblies; a wrong label still fails at once.
        Assertions.SetDefaultExpectTimeout(60_000);
        await page.GotoAsync(service.Address + "/");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("conv4, 128-value embeddings; 0 labels");

        await page.FillAsync("#label-input", "horizontal");
        await DropAsync(page, "#support-drop", ("h1.png", Draw(Shape.HorizontalBar)), ("h2.png", Draw(Shape.HorizontalBar, dy: 3)));
        await Assertions.Expect(page.Locator("#labels li[data-label='horizontal']")).ToHaveAttributeAsync("data-count", "2");
        await page.FillAsync("#label-input", "ring");
        await DropAsync(page, "#support-drop", ("r1.png", Draw(Shape.Ring)));
        await Assertions.Expect(page.Locator("#labels li[data-label='ring']")).ToHaveAttributeAsync("data-count", "1");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("2 labels, 3 examples");

        await DropAsync(page, "#query-drop", ("query-ring.png", Draw(Shape.Ring, dx: 2, dy: -2, pen: 5)), ("query-bar.png", Draw(Shape.HorizontalBar, dx: -3, pen: 7)));
        await Assertions.Expect(page.Locator(".result[data-file='query-ring.png'] .predicted")).ToHaveTextAsync("ring");
        await Assertions.Expect(page.Locator(".result[data-file='query-bar.png'] .predicted")).ToHaveTextAsync("horizontal");
        string confidence = (await page.Locator(".result[data-file='query-ring.png'] .confidence").TextContentAsync())!.Trim();
        confidence.Should().MatchRegex(Percent().ToString());
        double.Parse(confidence.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(50, 100);
        (await page.Locator(".result[data-file='query-ring.png'] img").GetAttributeAsync("src")).Should().StartWith("blob:", "the thumbnail is the dropped file");

        // A file that is not an image: the page shows the service's message, the results stay as they were.
        await DropAsync(page, "#query-drop", ("notes.png", "not an image"u8.ToArray()));
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Image 'notes.png' has an unknown format");
        await Assertions.Expect(page.Locator(".result")).ToHaveCountAsync(2);
    }

    /// <summary>Dispatches a real drop event carrying <paramref name="files"/> (a DataTransfer built in the page) on <paramref name="selector"/>.</summary>
    private static async Task DropAsync(IPage page, string selector, params (string Name, byte[] Bytes)[] files)
    {
        var dataTransfer = await page.EvaluateHandleAsync(
            """
            files => {
              const transfer = new DataTransfer();
              for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name, { type: "image/png" }));
              }
              return transfer;
            }
            """,
            files.Select(f => new { name = f.Name, data = Convert.ToBase64String(f.Bytes) }).ToArray());
        await page.DispatchEventAsync(selector, "drop", new { dataTransfer });
    }

    [GeneratedRegex(@"^\d{1,3}\.\d%$")]
    private static partial Regex Percent();
}
