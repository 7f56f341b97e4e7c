using System.Net;
using System.Net.Http.Json;
using OneShot.Hosting;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>The service's endpoints through HTTP (in-memory TestServer): enrol, classify, list, remove, health, OpenAPI, the page, restarts.</summary>
public sealed class ServiceApiTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Classify_AfterEnrollingThreeShapes_PredictsEachShapeWithItsConfidence()
    {
        using var factory = new ServiceFactory(_directory.Path);
        using var client = factory.CreateClient();
        await EnrollAsync(client, "horizontal", ("h1.png", Draw(Shape.HorizontalBar)), ("h2.png", Draw(Shape.HorizontalBar, dy: 3)));
        await EnrollAsync(client, "vertical", ("v1.png", Draw(Shape.VerticalBar)));
        await EnrollAsync(client, "ring", ("r1.png", Draw(Shape.Ring)));

        using var response = await client.PostAsync("/classify", Uploads.Form(
            ("q-ring.png", Draw(Shape.Ring, dx: 2, dy: -2, pen: 5)),
            ("q-horizontal.png", Draw(Shape.HorizontalBar, dx: -3, dy: 2, pen: 7)),
            ("q-vertical.png", Draw(Shape.VerticalBar, dx: 3, pen: 5))));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var result = await response.Content.ReadFromJsonAsync<ClassifyResponse>();
        result!.Predictions.Select(p => (p.File, p.Label)).Should().Equal(
            ("q-ring.png", "ring"), ("q-horizontal.png", "horizontal"), ("q-vertical.png", "vertical"));
        foreach (var prediction in result.Predictions)
        {
            prediction.Confidence.Should().BeInRange(0.5, 1.0);
            prediction.IsUnknown.Should().BeFalse();
            prediction.ScoreKind.Should().Be("Distance");
            prediction.TopK.Should().HaveCount(3);
            prediction.TopK[0].Label.Should().Be(prediction.Label);
            prediction.TopK[0].Probability.Should().Be(prediction.Confidence);
            prediction.TopK.Sum(c => c.Probability).Should().BeApproximately(1.0, 1e-6);
            prediction.TopK.Select(c => c.Score).Should().BeInAscendingOrder("the best candidate is the nearest prototype");
        }
    }

    [Fact]
    public async Task Labels_AfterEnrollAndRemove_ReportCountsInEnrolmentOrder()
    {
        using var factory = new ServiceFactory(_directory.Path);
        using var client = factory.CreateClient();
        (await client.GetFromJsonAsync<LabelCount[]>("/labels")).Should().BeEmpty();

        var first = await EnrollAsync(client, "vertical", ("v1.png", Draw(Shape.VerticalBar)), ("v2.png", Draw(Shape.VerticalBar, dx: 2)));
        first.Should().Be(new EnrollResponse("vertical", 2, 2));
        await EnrollAsync(client, "ring", ("r1.png", Draw(Shape.Ring)));
        var more = await EnrollAsync(client, "vertical", ("v3.png", Draw(Shape.VerticalBar, dx: -2)));
        more.Should().Be(new EnrollResponse("vertical", 1, 3));
        (await client.GetFromJsonAsync<LabelCount[]>("/labels")).Should().Equal(new LabelCount("vertical", 3), new LabelCount("ring", 1));

        using var removed = await client.DeleteAsync("/labels/vertical");
        removed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await removed.Content.ReadFromJsonAsync<RemoveResponse>()).Should().Be(new RemoveResponse("vertical", 3));
        (await client.GetFromJsonAsync<LabelCount[]>("/labels")).Should().Equal(new LabelCount("ring", 1));
        var health = await client.GetFromJsonAsync<HealthResponse>("/health");
        (health!.Labels, health.Examples).Should().Be((1, 1));
    }

    [Fact]
    public async Task Gallery_AfterRestartOfTheApp_KeepsLabelsCountsAndPredictions()
    {
        using (var factory = new ServiceFactory(_directory.Path))
        using (var client = factory.CreateClient())
        {
            await EnrollAsync(client, "horizontal", ("h1.png", Draw(Shape.HorizontalBar)));
            await EnrollAsync(client, "ring", ("r1.png", Draw(Shape.Ring)), ("r2.png", Draw(Shape.Ring, dx: 2)));
            await EnrollAsync(client, "vertical", ("v1.png", Draw(Shape.VerticalBar)));
            (await client.DeleteAsync("/labels/vertical")).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        using (var restarted = new ServiceFactory(_directory.Path))
        using (var client = restarted.CreateClient())
        {
            File.Exists(restarted.GalleryPath).Should().BeTrue();
            (await client.GetFromJsonAsync<LabelCount[]>("/labels")).Should().Equal(new LabelCount("horizontal", 1), new LabelCount("ring", 2));
            var health = await client.GetFromJsonAsync<HealthResponse>("/health");
            health!.Gallery.Should().Be(restarted.GalleryPath);
            using var response = await client.PostAsync("/classify", Uploads.Form(("q.png", Draw(Shape.Ring, dy: 3))));
            var result = await response.Content.ReadFromJsonAsync<ClassifyResponse>();
            result!.Predictions.Single().Label.Should().Be("ring");
        }
    }

    [Fact]
    public async Task Health_ReportsTheShippedModelAndTheGalleryFile()
    {
        using var factory = new ServiceFactory(_directory.Path);
        using var client = factory.CreateClient();
        var health = await client.GetFromJsonAsync<HealthResponse>("/health");
        health!.Status.Should().Be("ok");
        health.Architecture.Should().Be("conv4");
        health.EmbeddingSize.Should().Be(128);
        health.Fingerprint.Should().Contain("weights sha256 ");
        health.Gallery.Should().Be(factory.GalleryPath);
        (health.Labels, health.Examples).Should().Be((0, 0));
    }

    [Fact]
    public async Task OpenApi_DescribesEveryEndpoint()
    {
        using var factory = new ServiceFactory(_directory.Path);
        using var client = factory.CreateClient();
        string document = await client.GetStringAsync("/openapi/v1.json");
        document.Should().Contain("\"/health\"").And.Contain("\"/labels\"").And.Contain("\"/labels/{label}/images\"")
            .And.Contain("\"/labels/{label}\"").And.Contain("\"/classify\"").And.Contain("multipart/form-data");
    }

    [Fact]
    public async Task Page_IsServedWithItsScriptAndNoExternalResource()
    {
        using var factory = new ServiceFactory(_directory.Path);
        using var client = factory.CreateClient();
        string html = await client.GetStringAsync("/");
        html.Should().Contain("id=\"support-drop\"").And.Contain("id=\"query-drop\"").And.Contain("src=\"app.js\"");
        string script = await client.GetStringAsync("/app.js");
        script.Should().Contain("/classify");
        (html + script).Should().NotContain("http://").And.NotContain("https://", "the page must work without internet");
    }

    private static async Task<EnrollResponse> EnrollAsync(HttpClient client, string label, params (string Name, byte[] Bytes)[] files)
    {
        using var response = await client.PostAsync($"/labels/{Uri.EscapeDataString(label)}/images", Uploads.Form(files));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<EnrollResponse>())!;
    }
}
