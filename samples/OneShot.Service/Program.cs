using OneShot.Service;

// The OneShot service: enrol images under labels, classify images, list and remove labels, /health, /openapi/v1.json,
// and a page at / to try it in a browser. Settings: the "OneShot" section (appsettings.json, OneShot__ModelPath=...
// environment variables or --OneShot:ModelPath=... arguments). See README.md beside this file.
ServiceApp.Build(args).Run();

/// <summary>The entry point, public so <c>WebApplicationFactory&lt;Program&gt;</c> can host the app in tests.</summary>
public partial class Program;
