using System.Net;
using System.Net.Http.Json;
using System.Text;
using OneShot.Hosting;
using static OneShot.Service.Tests.TestImages;

namespace OneShot.Service.Tests;

/// <summary>Every bad input gets a 4xx problem with a message that names what was wrong, and nothing is enrolled.</summary>
public sealed class ServiceErrorTests(LimitedServiceFixture service) : IClassFixture<LimitedServiceFixture>
{
    private HttpClient Client => service.Client;

    [Fact]
    public async Task Enroll_CorruptImage_Is422NamingTheFile()
    {
        var problem = await EnrollAsync("ring", ("broken.png", CorruptPng()));
        problem.Should().Match<Problem>(p => p.Status == 422 && p.Error == "CorruptImage");
        problem.Detail.Should().Contain("'broken.png'").And.Contain("PNG");
        await AssertNothingEnrolledAsync();
    }

    [Fact]
    public async Task Classify_TruncatedImage_Is422()
    {
        var problem = await ClassifyAsync(("cut.png", TruncatedPng()));
        problem.Should().Match<Problem>(p => p.Status == 422 && p.Error == "CorruptImage");
        problem.Detail.Should().Contain("'cut.png'").And.Contain("could not be decoded completely");
    }

    [Fact]
    public async Task Enroll_TextFile_Is415UnknownFormat()
    {
        var problem = await EnrollAsync("ring", ("notes.txt", Encoding.ASCII.GetBytes("not an image")));
        problem.Should().Match<Problem>(p => p.Status == 415 && p.Error == "UnknownFormat");
        problem.Detail.Should().Contain("'notes.txt'").And.Contain("expected a PNG, JPEG, BMP, GIF or WebP signature");
        await AssertNothingEnrolledAsync();
    }

    [Fact]
    public async Task Enroll_EmptyFile_Is400EmptyImage()
    {
        var problem = await EnrollAsync("ring", ("empty.png", []));
        problem.Should().Match<Problem>(p => p.Status == 400 && p.Error == "EmptyImage");
        problem.Detail.Should().Contain("'empty.png' is empty");
    }

    [Fact]
    public async Task Enroll_TooManyPixels_Is413NamingTheSizeAndTheLimit()
    {
        var problem = await EnrollAsync("ring", ("big.png", Blank(100, 80)));
        problem.Should().Match<Problem>(p => p.Status == 413 && p.Error == "TooManyPixels");
        problem.Detail.Should().Contain("'big.png'").And.Contain("100x80 = 8000 pixels").And.Contain("at most 5000").And.Contain("MaxPixels");
        await AssertNothingEnrolledAsync();
    }

    [Fact]
    public async Task Enroll_OneValidAndOneCorruptImage_EnrollsNothing()
    {
        var problem = await EnrollAsync("ring", ("good.png", Draw(Shape.Ring)), ("bad.png", CorruptPng()));
        problem.Should().Match<Problem>(p => p.Status == 422 && p.Error == "CorruptImage");
        problem.Detail.Should().Contain("'bad.png'");
        await AssertNothingEnrolledAsync();
    }

    [Fact]
    public async Task Classify_ImageOverTheByteLimit_Is413()
    {
        var problem = await ClassifyAsync(("huge.png", CorruptPng((int)LimitedServiceFixture.MaxImageBytes + 1)));
        problem.Should().Match<Problem>(p => p.Status == 413 && p.Error == "ImageTooLarge");
        problem.Detail.Should().Be("Image 'huge.png' is 20001 bytes; expected at most 20000 bytes per image (setting MaxImageBytes).");
    }

    [Fact]
    public async Task Classify_UploadOverTheRequestLimit_Is413BeforeReading()
    {
        var file = CorruptPng(19_000);
        var problem = await ClassifyAsync(("a.png", file), ("b.png", file), ("c.png", file), ("d.png", file));
        problem.Should().Match<Problem>(p => p.Status == 413 && p.Error == "UploadTooLarge");
        problem.Detail.Should().MatchRegex(@"^The upload is \d+ bytes; expected at most 60000 bytes \(setting MaxUploadBytes\)\.$");
    }

    [Fact]
    public async Task Classify_MoreImagesThanAllowed_Is400()
    {
        var image = Draw(Shape.Ring);
        var problem = await ClassifyAsync(("1.png", image), ("2.png", image), ("3.png", image), ("4.png", image), ("5.png", image));
        problem.Should().Match<Problem>(p => p.Status == 400 && p.Error == "TooManyImages");
        problem.Detail.Should().Be("The request holds 5 images; expected at most 4 (setting MaxImagesPerRequest).");
    }

    [Fact]
    public async Task Classify_JsonBody_Is415WrongContentType()
    {
        using var response = await Client.PostAsJsonAsync("/classify", new { image = "x" });
        var problem = await Problem.ReadAsync(response);
        problem.Should().Match<Problem>(p => p.Status == 415 && p.Error == "UnsupportedContentType");
        problem.Detail.Should().Contain("'application/json; charset=utf-8'").And.Contain("expected multipart/form-data");
    }

    [Fact]
    public async Task Enroll_FormWithoutFile_Is400NoImages()
    {
        using var form = new MultipartFormDataContent { { new StringContent("just text"), "comment" } };
        using var response = await Client.PostAsync("/labels/ring/images", form);
        var problem = await Problem.ReadAsync(response);
        problem.Should().Match<Problem>(p => p.Status == 400 && p.Error == "NoImages");
        problem.Detail.Should().Contain("The form holds no file");
    }

    [Fact]
    public async Task Classify_BeforeAnyEnrolment_Is409EmptyGallery()
    {
        var problem = await ClassifyAsync(("q.png", Draw(Shape.Ring)));
        problem.Should().Match<Problem>(p => p.Status == 409 && p.Error == "EmptyGallery");
        problem.Detail.Should().Contain("No label is enrolled yet");
    }

    [Fact]
    public async Task Remove_UnknownLabel_Is404ListingTheEnrolledLabels()
    {
        using var response = await Client.DeleteAsync("/labels/zebra");
        var problem = await Problem.ReadAsync(response);
        problem.Should().Be(new Problem(404, "UnknownLabel", "The label 'zebra' is not enrolled; enrolled labels: none."));
    }

    [Theory]
    [InlineData("unknown", "is reserved for open-set rejections")]
    [InlineData("%20%20", "is only whitespace")]
    [InlineData(" ring", "starts or ends with whitespace")]
    [InlineData("a-label-longer-than-twenty", "has 26 characters, more than 20 (setting MaxLabelLength)")]
    public async Task Enroll_InvalidLabel_Is400NamingTheRule(string label, string rule)
    {
        using var response = await Client.PostAsync($"/labels/{(label.Contains('%') ? label : Uri.EscapeDataString(label))}/images", Uploads.Form(("r.png", Draw(Shape.Ring))));
        var problem = await Problem.ReadAsync(response);
        problem.Should().Match<Problem>(p => p.Status == 400 && p.Error == "InvalidLabel");
        problem.Detail.Should().Contain(rule);
        await AssertNothingEnrolledAsync();
    }

    [Fact]
    public async Task UnknownPath_Is404Problem()
    {
        using var response = await Client.GetAsync("/nothing-here");
        var problem = await Problem.ReadAsync(response);
        problem.Should().Be(new Problem(404, "NotFound", "No endpoint at '/nothing-here'; see /openapi/v1.json for the service's endpoints."));
    }

    private async Task<Problem> EnrollAsync(string label, params (string Name, byte[] Bytes)[] files)
    {
        using var response = await Client.PostAsync($"/labels/{label}/images", Uploads.Form(files));
        return await Problem.ReadAsync(response);
    }

    private async Task<Problem> ClassifyAsync(params (string Name, byte[] Bytes)[] files)
    {
        using var response = await Client.PostAsync("/classify", Uploads.Form(files));
        return await Problem.ReadAsync(response);
    }

    private async Task AssertNothingEnrolledAsync() =>
        (await Client.GetFromJsonAsync<LabelCount[]>("/labels")).Should().BeEmpty("a refused request changes nothing");
}
