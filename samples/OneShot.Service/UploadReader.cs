using OneShot.Hosting;

namespace OneShot.Service;

/// <summary>Reads the images of a <c>multipart/form-data</c> request (any field name, one or many files).</summary>
internal static class UploadReader
{
    public static async Task<IReadOnlyList<ImageUpload>> ReadAsync(HttpRequest request, OneShotRecognizer recognizer, CancellationToken cancellationToken)
    {
        recognizer.CheckUploadLength(request.ContentLength);
        if (!request.HasFormContentType || !request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new UploadException(
                StatusCodes.Status415UnsupportedMediaType,
                "UnsupportedContentType",
                $"The request's content type is '{request.ContentType ?? "(none)"}'; expected multipart/form-data with one or more image files (for example curl -F files=@image.png).");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e) when (e.Message.Contains("length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw new RecognitionRequestException(
                RecognitionError.UploadTooLarge,
                $"The upload is larger than {recognizer.Options.MaxUploadBytes} bytes (setting MaxUploadBytes): {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Kestrel's MaxRequestBodySize, for a body whose length was not announced (chunked).
            throw new RecognitionRequestException(
                RecognitionError.UploadTooLarge,
                $"The upload is larger than {recognizer.Options.MaxUploadBytes} bytes (setting MaxUploadBytes): {e.Message}");
        }
        catch (InvalidDataException e)
        {
            throw new UploadException(StatusCodes.Status400BadRequest, "MalformedForm", $"The multipart form cannot be read: {e.Message} Expected a well-formed multipart/form-data body.");
        }

        if (form.Files.Count == 0)
        {
            throw new RecognitionRequestException(
                RecognitionError.NoImages,
                "The form holds no file; expected one or more image files (for example the field 'files', curl -F files=@image.png).");
        }

        var images = new ImageUpload[form.Files.Count];
        for (int i = 0; i < images.Length; i++)
        {
            var file = form.Files[i];
            string name = string.IsNullOrEmpty(file.FileName) ? $"{file.Name}[{i}]" : file.FileName;
            using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
            await file.CopyToAsync(buffer, cancellationToken);
            images[i] = new ImageUpload(name, buffer.ToArray());
        }

        return images;
    }
}
