// libstdc++ compatibility step for TorchSharp 0.107.0 on Debian 12 / Ubuntu 22.04.
//
// libLibTorchSharp.so (TorchSharp 0.107.0) was linked against GCC 13's libstdc++ and lists
// GLIBCXX_3.4.32 among its version needs. GCC 12's libstdc++ (Debian 12, Ubuntu 22.04) defines
// versions up to GLIBCXX_3.4.30, so the dynamic loader refuses the library. The only symbol
// under that version is std::ios_base_library_init() (a link-time anchor emitted by GCC 13's
// <iostream>), and nothing relocates against it, so the requirement is vacuous at run time.
// This step points that version-need entry at the existing "GLIBCXX_3.4.30" string and fixes
// its ELF hash. It refuses (with a message) when any relocation uses the version, when the
// file is not a little-endian ELF64, or when no replacement string exists.
//
// The file is compiled twice: by MSBuild's RoslynCodeTaskFactory (as a build task, against
// netstandard2.0: no spans, no newer File APIs) and into Vae.Core (with VAE_ELF_PATCHER_NO_MSBUILD
// defined, which leaves out the task class), where Vae.Core.Runtime.NativeRuntime uses it at run time
// for scripts and notebooks, which no build step reaches. Only the task class is public.
// Delete this step when TorchSharp ships a libLibTorchSharp.so built against GLIBCXX <= 3.4.30,
// or when every supported distribution ships GCC >= 13's libstdc++ (Debian 13, Ubuntu 24.04).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Vae.Build
{
    /// <summary>One entry of an ELF version-need table: a version a library needs from another.</summary>
    internal sealed class ElfVersionNeed
    {
        /// <summary>Creates an entry.</summary>
        public ElfVersionNeed(string library, string version, ushort index, uint hash)
        {
            Library = library; Version = version; Index = index; Hash = hash;
        }
        /// <summary>The needed library's file name, e.g. <c>libstdc++.so.6</c>.</summary>
        public string Library { get; }
        /// <summary>The version name, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        public string Version { get; }
        /// <summary>The version index (vna_other) that symbols refer to.</summary>
        public ushort Index { get; }
        /// <summary>The stored ELF hash (vna_hash) of the version name.</summary>
        public uint Hash { get; }
    }

    /// <summary>Outcome of <see cref="ElfVersionNeedPatcher.Rewrite"/>.</summary>
    internal enum ElfPatchOutcome
    {
        /// <summary>The version need was rewritten.</summary>
        Patched,
        /// <summary>The file does not need the old version (never did, or was already patched).</summary>
        NotNeeded,
    }

    /// <summary>Thrown when a file cannot be patched safely; the message says why.</summary>
    internal sealed class ElfPatchException : Exception
    {
        /// <summary>Creates the exception with a one-line message.</summary>
        public ElfPatchException(string message) : base(message) { }
    }

    /// <summary>Reads and rewrites GNU symbol-versioning tables of little-endian ELF64 files.</summary>
    internal static class ElfVersionNeedPatcher
    {
        /// <summary>The library, the version TorchSharp 0.107.0's libLibTorchSharp.so needs from it, and the one it is pointed at.</summary>
        public const string LibStdCxx = "libstdc++.so.6", TorchSharpNeed = "GLIBCXX_3.4.32", Replacement = "GLIBCXX_3.4.30";

        const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
        const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        sealed class Section
        {
            public uint Type; public ulong Offset; public ulong Size; public uint Link; public uint Info; public ulong EntSize;
        }

        /// <summary>The SysV ELF hash used by vna_hash and vd_hash.</summary>
        public static uint ElfHash(string name)
        {
            uint h = 0;
            foreach (byte c in Encoding.ASCII.GetBytes(name))
            {
                h = (h << 4) + c;
                uint g = h & 0xf0000000;
                if (g != 0) h ^= g >> 24;
                h &= ~g;
            }
            return h;
        }

        /// <summary>All version needs of the file, in table order.</summary>
        public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(byte[] elf)
        {
            var result = new List<ElfVersionNeed>();
            foreach (var (_, need) in EnumerateNeeds(elf, ReadSections(elf))) result.Add(need);
            return result;
        }

        /// <summary>The version names a library defines (its .gnu.version_d), e.g. GLIBCXX_3.4.30.</summary>
        public static IReadOnlyList<string> ReadVersionDefinitions(byte[] elf)
        {
            var sections = ReadSections(elf);
            var names = new List<string>();
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerdef) continue;
                var strtab = At(sections, s.Link);
                ulong pos = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    uint aux = U32(elf, pos + 12), next = U32(elf, pos + 16);
                    ushort count = U16(elf, pos + 6);
                    if (count > 0) names.Add(CString(elf, strtab, U32(elf, pos + aux)));
                    if (next == 0) break;
                    pos += next;
                }
            }
            return names;
        }

        /// <summary>
        /// Points the version need <paramref name="from"/> of <paramref name="library"/> at the
        /// existing string <paramref name="to"/> and updates its hash, in place in <paramref name="elf"/>.
        /// Idempotent: a file that does not need <paramref name="from"/> is left unchanged.
        /// </summary>
        /// <exception cref="ElfPatchException">The file is not ELF64 LE, a relocation uses the version, or <paramref name="to"/> is absent.</exception>
        public static ElfPatchOutcome Rewrite(byte[] elf, string library, string from, string to)
        {
            var sections = ReadSections(elf);
            ulong entryOffset = 0; ElfVersionNeed? target = null; Section? verneed = null;
            foreach (var (offset, need) in EnumerateNeeds(elf, sections))
            {
                if (need.Library == library && need.Version == from) { entryOffset = offset; target = need; }
            }
            if (target is null) return ElfPatchOutcome.NotNeeded;
            foreach (var s in sections) if (s.Type == ShtGnuVerneed) verneed = s;
            var strtab = At(sections, verneed!.Link);
            long toOffset = FindString(elf, strtab, to);
            if (toOffset < 0)
                throw new ElfPatchException($"cannot replace {from}: the string table has no '{to}' to point at");
            EnsureNoRelocationUses(elf, sections, target.Index, from);
            WriteU32(elf, entryOffset + 0, ElfHash(to));          // vna_hash
            WriteU32(elf, entryOffset + 8, (uint)toOffset);       // vna_name
            return ElfPatchOutcome.Patched;
        }

        static IEnumerable<(ulong Offset, ElfVersionNeed Need)> EnumerateNeeds(byte[] elf, List<Section> sections)
        {
            foreach (var s in sections)
            {
                if (s.Type != ShtGnuVerneed) continue;
                var strtab = At(sections, s.Link);
                ulong pos = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    ushort count = U16(elf, pos + 2);
                    string file = CString(elf, strtab, U32(elf, pos + 4));
                    ulong aux = pos + U32(elf, pos + 8);
                    for (int j = 0; j < count; j++)
                    {
                        var need = new ElfVersionNeed(file, CString(elf, strtab, U32(elf, aux + 8)), U16(elf, aux + 6), U32(elf, aux));
                        yield return (aux, need);
                        uint auxNext = U32(elf, aux + 12);
                        if (auxNext == 0) break;
                        aux += auxNext;
                    }
                    uint next = U32(elf, pos + 12);
                    if (next == 0) break;
                    pos += next;
                }
            }
        }

        static void EnsureNoRelocationUses(byte[] elf, List<Section> sections, ushort versionIndex, string version)
        {
            Section? versym = null;
            foreach (var s in sections) if (s.Type == ShtGnuVersym) versym = s;
            if (versym is null) return;
            foreach (var s in sections)
            {
                if (s.Type != ShtRela && s.Type != ShtRel) continue;
                if (At(sections, s.Link).Type != ShtDynsym) continue;
                ulong entSize = s.EntSize != 0 ? s.EntSize : (s.Type == ShtRela ? 24UL : 16UL);
                for (ulong p = s.Offset; p + entSize <= s.Offset + s.Size; p += entSize)
                {
                    ulong sym = U64(elf, p + 8) >> 32;
                    if (sym == 0) continue;
                    if ((U16(elf, versym.Offset + 2 * sym) & 0x7fff) == versionIndex)
                        throw new ElfPatchException($"a relocation uses a symbol of {version}; rewriting it would break the library");
                }
            }
        }

        static List<Section> ReadSections(byte[] elf)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new ElfPatchException("not an ELF file");
            if (elf[4] != 2 || elf[5] != 1) throw new ElfPatchException("only little-endian ELF64 files are supported");
            ulong shoff = U64(elf, 0x28);
            ushort shentsize = U16(elf, 0x3a), shnum = U16(elf, 0x3c);
            if (shentsize != 64) throw new ElfPatchException($"unexpected section header size {shentsize}");
            var sections = new List<Section>(shnum);
            for (ulong i = 0; i < shnum; i++)
            {
                ulong h = shoff + i * 64;
                var s = new Section
                {
                    Type = U32(elf, h + 4), Offset = U64(elf, h + 24), Size = U64(elf, h + 32),
                    Link = U32(elf, h + 40), Info = U32(elf, h + 44), EntSize = U64(elf, h + 56),
                };
                if (s.Type != 8 /* SHT_NOBITS */ && s.Offset + s.Size > (ulong)elf.Length)
                    throw new ElfPatchException($"section {i} lies outside the file (truncated?)");
                sections.Add(s);
            }
            return sections;
        }

        static Section At(List<Section> sections, uint index) =>
            index < sections.Count ? sections[(int)index] : throw new ElfPatchException($"section link {index} out of range");

        static long FindString(byte[] elf, Section strtab, string value)
        {
            byte[] needle = Encoding.ASCII.GetBytes(value);
            ulong end = strtab.Offset + strtab.Size;
            ulong start = strtab.Offset;
            while (start < end)
            {
                ulong stop = start;
                while (stop < end && elf[stop] != 0) stop++;
                if (stop - start == (ulong)needle.Length && SameBytes(elf, start, needle))
                    return (long)(start - strtab.Offset);
                start = stop + 1;
            }
            return -1;
        }

        static bool SameBytes(byte[] elf, ulong start, byte[] needle)
        {
            for (int k = 0; k < needle.Length; k++) if (elf[start + (ulong)k] != needle[k]) return false;
            return true;
        }

        static string CString(byte[] elf, Section strtab, uint offset)
        {
            ulong start = strtab.Offset + offset, end = start;
            if (offset >= strtab.Size) throw new ElfPatchException($"string offset {offset} out of range");
            while (end < strtab.Offset + strtab.Size && elf[end] != 0) end++;
            return Encoding.ASCII.GetString(elf, (int)start, (int)(end - start));
        }

        static ushort U16(byte[] b, ulong o) { Check(b, o, 2); return (ushort)(b[o] | b[o + 1] << 8); }
        static uint U32(byte[] b, ulong o) { Check(b, o, 4); return BitConverter.ToUInt32(b, (int)o); }
        static ulong U64(byte[] b, ulong o) { Check(b, o, 8); return BitConverter.ToUInt64(b, (int)o); }
        static void WriteU32(byte[] b, ulong o, uint v) { Check(b, o, 4); BitConverter.GetBytes(v).CopyTo(b, (int)o); }
        static void Check(byte[] b, ulong o, int n)
        {
            if (o + (ulong)n > (ulong)b.Length) throw new ElfPatchException($"read past the end of the file at offset {o} (truncated?)");
        }

        /// <summary>
        /// Whether any libstdc++.so.6 the dynamic loader would find defines <paramref name="version"/>;
        /// null when no libstdc++ is found (not Linux, or an unusual layout): then nothing is patched.
        /// </summary>
        public static bool? SystemLibStdCxxDefines(string version, IEnumerable<string> searchDirectories)
        {
            foreach (string dir in searchDirectories)
            {
                string path = Path.Combine(dir, LibStdCxx);
                if (!File.Exists(path)) continue;
                return ReadVersionDefinitions(File.ReadAllBytes(path)).Contains(version);
            }
            return null;
        }

        /// <summary>The directories searched for the system libstdc++: LD_LIBRARY_PATH first, then the usual system folders.</summary>
        public static IReadOnlyList<string> DefaultLibraryDirectories()
        {
            var dirs = new List<string>();
            string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(ldPath)) dirs.AddRange(ldPath!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
            dirs.AddRange(new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" });
            return dirs;
        }

        /// <summary>
        /// Patches one file on disk if needed, writing through a temporary file and a rename so a
        /// hard link into the NuGet cache is replaced, never edited.
        /// </summary>
        public static ElfPatchOutcome PatchFile(string path, string library, string from, string to)
        {
            byte[] bytes = File.ReadAllBytes(path);
            var outcome = Rewrite(bytes, library, from, to);
            if (outcome != ElfPatchOutcome.Patched) return outcome;
            string temp = path + ".vae-patch.tmp";
            File.WriteAllBytes(temp, bytes);
            File.Replace(temp, path, null); // rename: a hard link to the original is detached, not edited
            return outcome;
        }
    }

#if !VAE_ELF_PATCHER_NO_MSBUILD
    /// <summary>MSBuild task: patches the given libLibTorchSharp.so copies when the system libstdc++ lacks the version.</summary>
    public sealed class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        /// <summary>The copies of libLibTorchSharp.so in an output or publish folder.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>Runs the step.</summary>
        public override bool Execute()
        {
            const string From = ElfVersionNeedPatcher.TorchSharpNeed, To = ElfVersionNeedPatcher.Replacement;
            bool? has = ElfVersionNeedPatcher.SystemLibStdCxxDefines(From, ElfVersionNeedPatcher.DefaultLibraryDirectories());
            if (has != false) return true;
            foreach (var item in Files)
            {
                string path = item.ItemSpec;
                if (!File.Exists(path)) continue;
                try
                {
                    var outcome = ElfVersionNeedPatcher.PatchFile(path, ElfVersionNeedPatcher.LibStdCxx, From, To);
                    if (outcome == ElfPatchOutcome.Patched)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                            $"Vae: system libstdc++ lacks {From}; patched the version need in {path} to {To}.");
                }
                catch (ElfPatchException e)
                {
                    Log.LogError($"Vae: cannot make {path} loadable on this system's libstdc++: {e.Message}.");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
