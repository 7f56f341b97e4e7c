using SkiaSharp;

namespace OneShot.Cli;

/// <summary>
/// Where everything of a contact sheet goes, from counts only (no text or pixels): heading lines, an optional legend line,
/// then per section a title line and rows of cells; each cell holds a framed <see cref="TileSize"/>-pixel picture above its caption.
/// </summary>
internal sealed class ContactSheetLayout
{
    /// <summary>The white border around everything.</summary>
    public const int Margin = 16;

    /// <summary>The side of the square a picture is fitted into.</summary>
    public const int TileSize = 84;

    /// <summary>The width of the coloured frame around a picture.</summary>
    public const int FrameWidth = 4;

    /// <summary>The width of one cell: the framed picture plus room for its caption.</summary>
    public const int CellWidth = 136;

    /// <summary>The height of one caption line.</summary>
    public const int CaptionLineHeight = 15;

    /// <summary>The height of a heading, legend or section-title line.</summary>
    public const int HeadingLineHeight = 20;

    /// <summary>The width of the left margin column that holds row labels, when any row has one.</summary>
    public const int GutterWidth = 70;

    /// <summary>The smallest width of the cell area, so headings have room on narrow sheets.</summary>
    public const int MinimumContentWidth = 660;

    /// <summary>The space below the heading block and between sections.</summary>
    public const int SectionGap = 14;

    /// <summary>The space below the caption of a row.</summary>
    public const int RowGap = 8;

    /// <summary>The space between a framed picture and its caption.</summary>
    public const int CaptionGap = 3;

    private readonly int[][] _rowTiles;
    private readonly int[] _sectionTops;

    /// <summary>Lays out a sheet.</summary>
    /// <param name="headingLines">Lines of heading text at the top.</param>
    /// <param name="hasLegend">Whether a legend line follows the heading.</param>
    /// <param name="hasRowLabels">Whether any row has a label (adds the <see cref="GutterWidth"/> column).</param>
    /// <param name="captionLines">Caption lines under every picture (the most any tile has).</param>
    /// <param name="rowTiles">Per section, the number of tiles in each row.</param>
    public ContactSheetLayout(int headingLines, bool hasLegend, bool hasRowLabels, int captionLines, IReadOnlyList<IReadOnlyList<int>> rowTiles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headingLines);
        ArgumentOutOfRangeException.ThrowIfNegative(captionLines);
        ArgumentNullException.ThrowIfNull(rowTiles);
        _rowTiles = [.. rowTiles.Select(r => r.ToArray())];
        Gutter = hasRowLabels ? GutterWidth : 0;
        CaptionLines = captionLines;
        CellHeight = TileSize + (2 * FrameWidth) + CaptionGap + (captionLines * CaptionLineHeight) + RowGap;
        int columns = _rowTiles.SelectMany(r => r).DefaultIfEmpty(0).Max();
        Width = (2 * Margin) + Gutter + Math.Max(MinimumContentWidth, columns * CellWidth);
        LegendTop = Margin + (headingLines * HeadingLineHeight);
        int y = LegendTop + (hasLegend ? HeadingLineHeight : 0) + SectionGap;
        _sectionTops = new int[_rowTiles.Length];
        for (int s = 0; s < _rowTiles.Length; s++)
        {
            _sectionTops[s] = y;
            y += HeadingLineHeight + (_rowTiles[s].Length * CellHeight) + SectionGap;
        }

        Height = y - SectionGap + Margin;
    }

    /// <summary>The width of the sheet in pixels.</summary>
    public int Width { get; }

    /// <summary>The height of the sheet in pixels.</summary>
    public int Height { get; }

    /// <summary>The height of one row of cells.</summary>
    public int CellHeight { get; }

    /// <summary>Caption lines per cell.</summary>
    public int CaptionLines { get; }

    /// <summary>The width of the row-label column (0 without row labels).</summary>
    public int Gutter { get; }

    /// <summary>The top of the legend line (just below the heading lines).</summary>
    public int LegendTop { get; }

    /// <summary>The top of section <paramref name="section"/> (its title line).</summary>
    public int SectionTop(int section) => _sectionTops[section];

    /// <summary>The top of row <paramref name="row"/> of section <paramref name="section"/>.</summary>
    public int RowTop(int section, int row) => _sectionTops[section] + HeadingLineHeight + (row * CellHeight);

    /// <summary>The left of cell column <paramref name="column"/>.</summary>
    public int CellLeft(int column) => Margin + Gutter + (column * CellWidth);

    /// <summary>The square a picture is fitted into; its frame lies <see cref="FrameWidth"/> pixels around it.</summary>
    public SKRectI Picture(int section, int row, int column)
    {
        if (column >= _rowTiles[section][row])
        {
            throw new ArgumentOutOfRangeException(nameof(column), column, $"Row {row} of section {section} has {_rowTiles[section][row]} tiles.");
        }

        int left = CellLeft(column) + ((CellWidth - TileSize) / 2);
        int top = RowTop(section, row) + FrameWidth;
        return new SKRectI(left, top, left + TileSize, top + TileSize);
    }
}
