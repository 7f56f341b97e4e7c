using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using OneShot.Hosting;

namespace OneShot.Service;

/// <summary>Builds the service: OneShot registration, limits, problem responses, endpoints, the page and OpenAPI.</summary>
public static class ServiceApp
{
    /// <summary>The configuration section the OneShot settings are read from.</summary>
    public const string SectionName = "OneShot";

    /// <summary>Builds the app; <paramref name="configure"/> may change the builder (tests, the load benchmark) before it is built.</summary>
    /// <param name="args">Command-line arguments (<c>--urls</c>, <c>--OneShot:ModelPath=DIR</c>, ...).</param>
    /// <param name="configure">Called with the builder after the service's own registrations.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var configuration = builder.Configuration;
        string contentRoot = builder.Environment.ContentRootPath;
        builder.Services.AddOneShot(options =>
        {
            configuration.GetSection(SectionName).Bind(options);
            // Relative paths are relative to the content root; the model defaults to the shipped Omniglot Conv4.
            options.ModelPath = string.IsNullOrWhiteSpace(options.ModelPath)
                ? Path.Combine(AppContext.BaseDirectory, "models", "omniglot-conv4")
                : Path.GetFullPath(options.ModelPath, contentRoot);
            if (!string.IsNullOrWhiteSpace(options.GalleryPath))
            {
                options.GalleryPath = Path.GetFullPath(options.GalleryPath, contentRoot);
            }

            // OneShot:PostgresConnectionString puts the gallery in PostgreSQL instead of the file, shared by every
            // instance given the same database and OneShot:PostgresSchema (default "oneshot").
            if (!string.IsNullOrWhiteSpace(configuration[$"{SectionName}:PostgresConnectionString"]))
            {
                options.UseGallery((services, embedder) => services.GetRequiredService<PostgresGalleryHolder>().Open(embedder));
            }
        });
        if (configuration[$"{SectionName}:PostgresConnectionString"] is { Length: > 0 } postgres)
        {
            string schema = configuration[$"{SectionName}:PostgresSchema"] is { Length: > 0 } s ? s : "oneshot";
            builder.Services.AddSingleton(services => new PostgresGalleryHolder(postgres, schema, services.GetRequiredService<ILoggerFactory>()));
        }

        // The request-size limit applies before the body is read (Kestrel) and while the form is parsed (FormOptions).
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<OneShotServiceOptions>>((kestrel, oneShot) => kestrel.Limits.MaxRequestBodySize = oneShot.Value.MaxUploadBytes);
        builder.Services.AddOptions<FormOptions>()
            .Configure<IOptions<OneShotServiceOptions>>((form, oneShot) =>
            {
                form.MultipartBodyLengthLimit = oneShot.Value.MaxUploadBytes;
                form.ValueCountLimit = oneShot.Value.MaxImagesPerRequest + 16;
            });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Load the model and open the gallery now: a bad setting stops the start, and the first request is not slow.
        _ = app.Services.GetRequiredService<OneShotRecognizer>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeProblems.WriteAsync);
        var page = new EmbeddedFileProvider(typeof(ServiceApp).Assembly, "OneShot.Service.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        app.MapOpenApi();
        app.MapOneShotEndpoints();
        return app;
    }
}
