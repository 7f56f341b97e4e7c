namespace OneShot.Cli;

/// <summary>A row of tiles of a contact sheet section, with an optional label in the left margin.</summary>
internal sealed record ContactSheetRow(string? Label, IReadOnlyList<ContactSheetTile> Tiles);
