using System.Net.Http.Json;
using OneShot.Hosting;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>The request-size limit on a real Kestrel port, for a body whose length is not announced (chunked).</summary>
public sealed class KestrelLimitTests
{
    [Fact]
    public async Task Classify_ChunkedUploadOverTheRequestLimit_Is413AndTheServiceKeepsServing()
    {
        await using var service = await RunningService.StartAsync(o => o.MaxUploadBytes = 60_000);
        using var client = new HttpClient { BaseAddress = new Uri(service.Address) };
        var file = CorruptPng(19_000);
        using var body = new UnknownLengthContent(Uploads.Form(("a.png", file), ("b.png", file), ("c.png", file), ("d.png", file)));

        body.Headers.ContentLength.Should().BeNull("the body is sent chunked, so only the reading limits apply");
        using var response = await client.PostAsync("/classify", body);

        var problem = await Problem.ReadAsync(response);
        problem.Should().Match<Problem>(p => p.Status == 413 && p.Error == "UploadTooLarge");
        problem.Detail.Should().StartWith("The upload is larger than 60000 bytes (setting MaxUploadBytes):");
        var health = await client.GetFromJsonAsync<HealthResponse>("/health");
        health!.Status.Should().Be("ok");
    }
}
