using OneShot.Hosting;

namespace OneShot.Service;

/// <summary>The service's HTTP endpoints.</summary>
internal static class ServiceEndpoints
{
    public static void MapOneShotEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (OneShotRecognizer recognizer) => new HealthResponse(
                "ok",
                recognizer.Embedder.Architecture,
                recognizer.Embedder.EmbeddingSize,
                recognizer.Embedder.GetFingerprint().ToString(),
                recognizer.GallerySource,
                recognizer.GetLabels().Count,
                recognizer.Count))
            .WithName("Health")
            .WithSummary("The model, where the gallery lives and how much it holds.");

        app.MapGet("/labels", (OneShotRecognizer recognizer) => recognizer.GetLabels())
            .WithName("ListLabels")
            .WithSummary("The enrolled labels with their example counts, in order of first enrolment.");

        app.MapPost("/labels/{label}/images", async (string label, HttpRequest request, OneShotRecognizer recognizer, CancellationToken cancellationToken) =>
            {
                var images = await UploadReader.ReadAsync(request, recognizer, cancellationToken);
                var enrolled = recognizer.Enroll(label, images);
                return Results.Created($"/labels/{Uri.EscapeDataString(label)}", new EnrollResponse(enrolled.Label, images.Count, enrolled.Count));
            })
            .Accepts<IFormFileCollection>("multipart/form-data")
            .Produces<EnrollResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("Enroll")
            .WithSummary("Enrolls one or more images (multipart/form-data files) under the label; the gallery is saved before the answer.");

        app.MapDelete("/labels/{label}", (string label, OneShotRecognizer recognizer) =>
                recognizer.Remove(label) is { } removed
                    ? Results.Ok(new RemoveResponse(label, removed))
                    : Problems.Create(
                        StatusCodes.Status404NotFound,
                        "UnknownLabel",
                        $"The label '{label}' is not enrolled; enrolled labels: {Describe(recognizer.GetLabels())}."))
            .Produces<RemoveResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("RemoveLabel")
            .WithSummary("Removes the label and all its examples; the gallery is saved before the answer.");

        app.MapPost("/classify", async (HttpRequest request, OneShotRecognizer recognizer, CancellationToken cancellationToken) =>
            {
                var images = await UploadReader.ReadAsync(request, recognizer, cancellationToken);
                var predictions = recognizer.Classify(images);
                return new ClassifyResponse(images.Select((image, i) => ImagePrediction.From(image.Name, predictions[i])).ToArray());
            })
            .Accepts<IFormFileCollection>("multipart/form-data")
            .Produces<ClassifyResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("Classify")
            .WithSummary("Classifies one or more images (multipart/form-data files): predicted label, confidence and the best candidates per image.");
    }

    private static string Describe(IReadOnlyList<LabelCount> labels) =>
        labels.Count == 0 ? "none" : string.Join(", ", labels.Select(l => $"'{l.Label}'"));
}
