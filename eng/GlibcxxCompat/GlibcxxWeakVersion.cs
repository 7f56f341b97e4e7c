// The Linux libstdc++ compatibility step of OneShot's build.
//
// TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13) for exactly one symbol,
// std::ios_base_library_init, which has no relocations. Debian 12 and Ubuntu 22.04 ship an older
// libstdc++, so the dynamic loader refuses the library. Setting VER_FLG_WEAK (0x2) on that
// Elf64_Vernaux entry of .gnu.version_r makes a missing version a warning instead of an error.
//
// This file is compiled twice: by MSBuild's RoslynCodeTaskFactory (GlibcxxCompat.targets), and by the
// unit tests. It only ever rewrites the build or publish output's copy, through a temporary file and a
// rename, so a hard link into the NuGet cache is never written through.
#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace OneShot.Build
{
    /// <summary>What <see cref="ElfVersionNeedPatcher.MarkWeak(string, string)"/> did to a file.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The version requirement was found and the weak flag was set.</summary>
        Patched,
        /// <summary>The version requirement already carried the weak flag; the file was not written.</summary>
        AlreadyWeak,
        /// <summary>The file does not require that version; the file was not written.</summary>
        NotRequired,
    }

    /// <summary>Sets the weak flag on a version requirement (<c>Elf64_Vernaux</c>) of an ELF64 little-endian shared object.</summary>
    public static class ElfVersionNeedPatcher
    {
        /// <summary>The flag <c>VER_FLG_WEAK</c> of <c>Elf64_Vernaux.vna_flags</c>.</summary>
        public const ushort WeakFlag = 0x2;

        private const uint ShtGnuVerneed = 0x6ffffffe;

        /// <summary>Marks <paramref name="versionName"/> weak in the file at <paramref name="path"/>, writing a temporary file and renaming it over the original.</summary>
        public static ElfPatchOutcome MarkWeak(string path, string versionName = "GLIBCXX_3.4.32")
        {
            byte[] data = File.ReadAllBytes(path);
            ElfPatchOutcome outcome = MarkWeak(data, versionName, path);
            if (outcome == ElfPatchOutcome.Patched)
            {
                string temp = path + ".oneshot-tmp";
                File.WriteAllBytes(temp, data);
                File.Replace(temp, path, null);
            }

            return outcome;
        }

        /// <summary>Marks <paramref name="versionName"/> weak in an ELF image held in memory.</summary>
        /// <exception cref="InvalidDataException">The data is not a well-formed ELF64 little-endian file.</exception>
        public static ElfPatchOutcome MarkWeak(byte[] data, string versionName, string sourceName = "<memory>")
        {
            if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            {
                throw new InvalidDataException($"'{sourceName}' is not an ELF file (expected the magic 7F 45 4C 46).");
            }

            if (data[4] != 2 || data[5] != 1)
            {
                throw new InvalidDataException($"'{sourceName}' is not a 64-bit little-endian ELF file (class {data[4]}, data {data[5]}).");
            }

            ulong shoff = ReadU64(data, 0x28, sourceName);
            ushort shentsize = ReadU16(data, 0x3A, sourceName);
            ushort shnum = ReadU16(data, 0x3C, sourceName);
            if (shoff == 0 || shnum == 0)
            {
                return ElfPatchOutcome.NotRequired;
            }

            if (shentsize < 64)
            {
                throw new InvalidDataException($"'{sourceName}' has section headers of {shentsize} bytes; expected at least 64.");
            }

            Check(data, (long)shoff, checked(shnum * shentsize), sourceName);
            bool sawVersion = false;
            for (int i = 0; i < shnum; i++)
            {
                long sh = checked((long)shoff + (long)i * shentsize);
                uint type = ReadU32(data, sh + 4, sourceName);
                if (type != ShtGnuVerneed)
                {
                    continue;
                }

                long offset = (long)ReadU64(data, sh + 0x18, sourceName);
                uint link = ReadU32(data, sh + 0x28, sourceName);
                uint count = ReadU32(data, sh + 0x2C, sourceName);
                if (link >= shnum)
                {
                    throw new InvalidDataException($"'{sourceName}': .gnu.version_r links to section {link}, but there are {shnum} sections.");
                }

                long strtab = (long)ReadU64(data, checked((long)shoff + (long)link * shentsize + 0x18), sourceName);
                long need = offset;
                for (uint n = 0; n < count; n++)
                {
                    ushort auxCount = ReadU16(data, need + 2, sourceName);
                    uint auxOffset = ReadU32(data, need + 8, sourceName);
                    uint nextNeed = ReadU32(data, need + 12, sourceName);
                    long aux = need + auxOffset;
                    for (int a = 0; a < auxCount; a++)
                    {
                        ushort flags = ReadU16(data, aux + 4, sourceName);
                        uint nameOffset = ReadU32(data, aux + 8, sourceName);
                        uint nextAux = ReadU32(data, aux + 12, sourceName);
                        if (ReadCString(data, strtab + nameOffset, sourceName) == versionName)
                        {
                            sawVersion = true;
                            if ((flags & WeakFlag) == 0)
                            {
                                ushort patched = (ushort)(flags | WeakFlag);
                                data[aux + 4] = (byte)(patched & 0xff);
                                data[aux + 5] = (byte)(patched >> 8);
                                return ElfPatchOutcome.Patched;
                            }
                        }

                        if (nextAux == 0)
                        {
                            break;
                        }

                        aux += nextAux;
                    }

                    if (nextNeed == 0)
                    {
                        break;
                    }

                    need += nextNeed;
                }
            }

            return sawVersion ? ElfPatchOutcome.AlreadyWeak : ElfPatchOutcome.NotRequired;
        }

        private static void Check(byte[] data, long offset, int size, string sourceName)
        {
            if (offset < 0 || offset + size > data.Length)
            {
                throw new InvalidDataException($"'{sourceName}' is truncated: needed {size} bytes at offset {offset}, but the file has {data.Length} bytes.");
            }
        }

        private static ushort ReadU16(byte[] d, long o, string s)
        {
            Check(d, o, 2, s);
            return (ushort)(d[o] | (d[o + 1] << 8));
        }

        private static uint ReadU32(byte[] d, long o, string s)
        {
            Check(d, o, 4, s);
            return (uint)(d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24));
        }

        private static ulong ReadU64(byte[] d, long o, string s) => ReadU32(d, o, s) | ((ulong)ReadU32(d, o + 4, s) << 32);

        private static string ReadCString(byte[] d, long o, string s)
        {
            Check(d, o, 1, s);
            long end = o;
            while (end < d.Length && d[end] != 0)
            {
                end++;
            }

            return Encoding.ASCII.GetString(d, (int)o, (int)(end - o));
        }
    }

    /// <summary>MSBuild task: marks a GLIBCXX version requirement weak in each of <see cref="Files"/>.</summary>
    public sealed class MarkGlibcxxVersionWeak : Microsoft.Build.Utilities.Task
    {
        /// <summary>The shared objects to patch (build or publish output copies only).</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version requirement to mark weak.</summary>
        public string VersionName { get; set; } = "GLIBCXX_3.4.32";

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (ITaskItem item in Files)
            {
                string path = item.GetMetadata("FullPath");
                try
                {
                    ElfPatchOutcome outcome = ElfVersionNeedPatcher.MarkWeak(path, VersionName);
                    Log.LogMessage(MessageImportance.Low, $"OneShot: {VersionName} in {path}: {outcome}.");
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
                {
                    Log.LogError($"OneShot: could not mark {VersionName} weak in '{path}': {ex.Message}");
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
}
