namespace OneShot.Cli;

/// <summary>A titled block of rows of a contact sheet (e.g. one episode).</summary>
internal sealed record ContactSheetSection(string Title, IReadOnlyList<ContactSheetRow> Rows);
