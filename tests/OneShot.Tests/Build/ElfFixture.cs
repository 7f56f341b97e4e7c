using System.Buffers.Binary;
using System.Text;

namespace OneShot.Tests.Build;

/// <summary>
/// Builds a minimal ELF64 little-endian file with a .gnu.version_r section, byte by byte:
/// one Elf64_Verneed for libstdc++.so.6 with one Elf64_Vernaux per version name.
/// </summary>
internal static class ElfFixture
{
    public const int HeaderSize = 64;
    public const int SectionHeaderSize = 64;

    /// <summary>The ELF image and, per version name, the file offset of its vna_flags field.</summary>
    public static (byte[] Data, Dictionary<string, int> FlagOffsets) Build(params (string Name, ushort Flags)[] versions)
    {
        // Layout: [ELF header][.dynstr][.gnu.version_r][section headers: null, .dynstr, .gnu.version_r, .shstrtab][.shstrtab]
        var dynstr = new List<byte> { 0 };
        int fileNameOffset = AddString(dynstr, "libstdc++.so.6");
        var nameOffsets = versions.Select(v => AddString(dynstr, v.Name)).ToArray();

        int dynstrOffset = HeaderSize;
        int verneedOffset = Align(dynstrOffset + dynstr.Count, 8);
        int verneedSize = 16 + (16 * versions.Length);
        byte[] shstr = Encoding.ASCII.GetBytes("\0.dynstr\0.gnu.version_r\0.shstrtab\0");
        int shstrOffset = Align(verneedOffset + verneedSize, 8);
        int shoff = Align(shstrOffset + shstr.Length, 8);
        var data = new byte[shoff + (4 * SectionHeaderSize)];

        // ELF header
        data[0] = 0x7f;
        data[1] = (byte)'E';
        data[2] = (byte)'L';
        data[3] = (byte)'F';
        data[4] = 2; // ELFCLASS64
        data[5] = 1; // little endian
        data[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x10), 3); // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x12), 62); // x86-64
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(0x28), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x34), HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x3A), SectionHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x3C), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(0x3E), 3);

        dynstr.CopyTo(data, dynstrOffset);
        shstr.CopyTo(data, shstrOffset);

        // Elf64_Verneed
        var need = data.AsSpan(verneedOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(need, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(need[2..], (ushort)versions.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(need[4..], (uint)fileNameOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(need[8..], 16);
        BinaryPrimitives.WriteUInt32LittleEndian(need[12..], 0);

        var flagOffsets = new Dictionary<string, int>();
        for (int i = 0; i < versions.Length; i++)
        {
            int at = verneedOffset + 16 + (16 * i);
            var aux = data.AsSpan(at);
            BinaryPrimitives.WriteUInt32LittleEndian(aux, (uint)versions[i].Name.GetHashCode(StringComparison.Ordinal));
            BinaryPrimitives.WriteUInt16LittleEndian(aux[4..], versions[i].Flags);
            BinaryPrimitives.WriteUInt16LittleEndian(aux[6..], (ushort)(2 + i));
            BinaryPrimitives.WriteUInt32LittleEndian(aux[8..], (uint)nameOffsets[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(aux[12..], i == versions.Length - 1 ? 0u : 16u);
            flagOffsets[versions[i].Name] = at + 4;
        }

        WriteSection(data, shoff, 1, name: 1, type: 3, offset: dynstrOffset, size: dynstr.Count, link: 0, info: 0);
        WriteSection(data, shoff, 2, name: 9, type: 0x6ffffffe, offset: verneedOffset, size: verneedSize, link: 1, info: 1);
        WriteSection(data, shoff, 3, name: 24, type: 3, offset: shstrOffset, size: shstr.Length, link: 0, info: 0);
        return (data, flagOffsets);
    }

    private static void WriteSection(byte[] data, int shoff, int index, int name, uint type, int offset, int size, int link, int info)
    {
        var sh = data.AsSpan(shoff + (index * SectionHeaderSize));
        BinaryPrimitives.WriteUInt32LittleEndian(sh, (uint)name);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[4..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[0x18..], (ulong)offset);
        BinaryPrimitives.WriteUInt64LittleEndian(sh[0x20..], (ulong)size);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[0x28..], (uint)link);
        BinaryPrimitives.WriteUInt32LittleEndian(sh[0x2C..], (uint)info);
    }

    private static int AddString(List<byte> table, string s)
    {
        int offset = table.Count;
        table.AddRange(Encoding.ASCII.GetBytes(s));
        table.Add(0);
        return offset;
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
