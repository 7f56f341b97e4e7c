using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using OneShot.Hosting;
using OneShot.PostgreSql.Tests;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>
/// Two service instances on two ports sharing one PostgreSQL gallery: what one enrols or removes, the other classifies
/// with, within the store's documented bound (one poll interval, 1 s; LISTEN/NOTIFY makes it milliseconds).
/// </summary>
public sealed class TwoInstanceTests : IClassFixture<PostgresServer>
{
    private readonly PostgresServer _server;

    public TwoInstanceTests(PostgresServer server) => _server = server;

    [SkippableFact]
    public async Task EnrolThroughOne_ClassifyThroughTheOther_SeesTheSameGalleryWithinTheBound()
    {
        _server.Require();
        string schema = _server.NewSchema("service");
        string[] shared = [$"--OneShot:PostgresConnectionString={_server.ConnectionString}", $"--OneShot:PostgresSchema={schema}"];
        await using var first = await RunningService.StartAsync(null, shared);
        await using var second = await RunningService.StartAsync(null, shared);
        first.Address.Should().NotBe(second.Address, "the two instances listen on two ports");
        using var a = new HttpClient { BaseAddress = new Uri(first.Address) };
        using var b = new HttpClient { BaseAddress = new Uri(second.Address) };

        await EnrollAsync(a, "horizontal", ("h1.png", Draw(Shape.HorizontalBar)));
        await EnrollAsync(a, "vertical", ("v1.png", Draw(Shape.VerticalBar)));
        await EnrollAsync(b, "ring", ("r1.png", Draw(Shape.Ring)));

        var stopwatch = Stopwatch.StartNew();
        LabelCount[]? seen;
        do
        {
            seen = await b.GetFromJsonAsync<LabelCount[]>("/labels");
        }
        while (seen!.Length < 3 && stopwatch.Elapsed < TimeSpan.FromSeconds(5));
        stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "a commit is visible to the other instance within the 1 s poll bound");
        seen.Select(l => l.Label).Should().BeEquivalentTo(["horizontal", "vertical", "ring"]);

        var throughSecond = await ClassifyAsync(b, ("q.png", Draw(Shape.HorizontalBar, dx: -3, dy: 2, pen: 7)));
        throughSecond.Label.Should().Be("horizontal", "instance two classifies with what instance one enrolled");
        var throughFirst = await ClassifyAsync(a, ("q.png", Draw(Shape.Ring, dx: 2, dy: -2, pen: 5)));
        throughFirst.Label.Should().Be("ring", "and the other way round");

        (await a.DeleteAsync("/labels/horizontal")).StatusCode.Should().Be(HttpStatusCode.OK);
        stopwatch.Restart();
        do
        {
            seen = await b.GetFromJsonAsync<LabelCount[]>("/labels");
        }
        while (seen!.Length != 2 && stopwatch.Elapsed < TimeSpan.FromSeconds(5));
        seen.Select(l => l.Label).Should().BeEquivalentTo(["vertical", "ring"]);
        var afterRemoval = await ClassifyAsync(b, ("q.png", Draw(Shape.HorizontalBar, dx: -3, dy: 2, pen: 7)));
        afterRemoval.Label.Should().NotBe("horizontal", "a label removed through instance one is gone from instance two");
    }

    private static async Task EnrollAsync(HttpClient client, string label, params (string Name, byte[] Bytes)[] files)
    {
        using var response = await client.PostAsync($"/labels/{Uri.EscapeDataString(label)}/images", Uploads.Form(files));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task<ImagePrediction> ClassifyAsync(HttpClient client, params (string Name, byte[] Bytes)[] files)
    {
        using var response = await client.PostAsync("/classify", Uploads.Form(files));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ClassifyResponse>())!.Predictions.Single();
    }
}
