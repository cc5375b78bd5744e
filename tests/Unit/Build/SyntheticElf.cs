using System.Text;

namespace Vae.Tests.Unit.Build;

/// <summary>
/// Builds a minimal little-endian ELF64 shared-object image with the sections the patcher reads:
/// .dynstr, .dynsym, .gnu.version, .gnu.version_r and .rela.dyn (layouts from the System V gABI and
/// the LSB "Symbol Versioning" chapter). It needs libstdc++.so.6 at GLIBCXX_3.4.30 (index 2) and,
/// optionally, GLIBCXX_3.4.32 (index 3), with one symbol under each version.
/// </summary>
internal static class SyntheticElf
{
    public static byte[] Build(bool needs32 = true, bool relocateAgainst32 = false)
    {
        var dynstr = new MemoryStream();
        int Str(string s) { int o = (int)dynstr.Length; var b = Encoding.ASCII.GetBytes(s + "\0"); dynstr.Write(b); return o; }
        Str("");
        int lib = Str("libstdc++.so.6"), v30 = Str("GLIBCXX_3.4.30"), v32 = Str("GLIBCXX_3.4.32");
        int symInit = Str("_ZSt21ios_base_library_initv"), symOther = Str("_ZNSt8ios_base4InitC1Ev");

        var dynsym = new byte[3 * 24];
        BitConverter.GetBytes((uint)symInit).CopyTo(dynsym, 24);
        BitConverter.GetBytes((uint)symOther).CopyTo(dynsym, 48);
        var versym = new byte[3 * 2];
        BitConverter.GetBytes((ushort)(needs32 ? 3 : 2)).CopyTo(versym, 2);
        BitConverter.GetBytes((ushort)2).CopyTo(versym, 4);

        int auxCount = needs32 ? 2 : 1;
        var verneed = new byte[16 + 16 * auxCount];
        Put16(verneed, 0, 1); Put16(verneed, 2, (ushort)auxCount); Put32(verneed, 4, (uint)lib); Put32(verneed, 8, 16); Put32(verneed, 12, 0);
        WriteAux(verneed, 16, "GLIBCXX_3.4.30", 2, v30, needs32 ? 16u : 0u);
        if (needs32) WriteAux(verneed, 32, "GLIBCXX_3.4.32", 3, v32, 0);

        var rela = new byte[24];
        ulong sym = relocateAgainst32 ? 1UL : 2UL;
        BitConverter.GetBytes(0x1000UL).CopyTo(rela, 0);
        BitConverter.GetBytes((sym << 32) | 6UL /* R_X86_64_GLOB_DAT */).CopyTo(rela, 8);

        // Layout: ELF header, then the section contents, then the section header table.
        var blobs = new[] { dynstr.ToArray(), dynsym, versym, verneed, rela };
        var offsets = new long[blobs.Length];
        long pos = 64;
        for (int i = 0; i < blobs.Length; i++) { offsets[i] = pos; pos += (blobs[i].Length + 7) & ~7; }
        long shoff = pos;
        int shnum = blobs.Length + 1;
        var file = new byte[shoff + 64 * shnum];
        file[0] = 0x7f; file[1] = (byte)'E'; file[2] = (byte)'L'; file[3] = (byte)'F';
        file[4] = 2; file[5] = 1; file[6] = 1;
        Put16(file, 16, 3); Put16(file, 18, 62); Put32(file, 20, 1);
        BitConverter.GetBytes((ulong)shoff).CopyTo(file, 0x28);
        Put16(file, 0x34, 64); Put16(file, 0x3a, 64); Put16(file, 0x3c, (ushort)shnum);
        for (int i = 0; i < blobs.Length; i++) blobs[i].CopyTo(file, offsets[i]);
        // (type, link, info, entsize) per section; section 0 stays all zeros.
        (uint Type, uint Link, uint Info, ulong EntSize)[] headers =
        [
            (3, 0, 0, 0),                  // 1 .dynstr  SHT_STRTAB
            (11, 1, 1, 24),                // 2 .dynsym  SHT_DYNSYM -> .dynstr
            (0x6fffffff, 2, 0, 2),         // 3 .gnu.version -> .dynsym
            (0x6ffffffe, 1, 1, 0),         // 4 .gnu.version_r -> .dynstr, one entry
            (4, 2, 0, 24),                 // 5 .rela.dyn SHT_RELA -> .dynsym
        ];
        for (int i = 0; i < headers.Length; i++)
        {
            long h = shoff + 64 * (i + 1);
            Put32(file, h + 4, headers[i].Type);
            BitConverter.GetBytes((ulong)offsets[i]).CopyTo(file, h + 24);
            BitConverter.GetBytes((ulong)blobs[i].Length).CopyTo(file, h + 32);
            Put32(file, h + 40, headers[i].Link);
            Put32(file, h + 44, headers[i].Info);
            BitConverter.GetBytes(headers[i].EntSize).CopyTo(file, h + 56);
        }
        return file;
    }

    static void WriteAux(byte[] b, int o, string name, ushort index, int nameOffset, uint next)
    {
        Put32(b, o, Vae.Build.ElfVersionNeedPatcher.ElfHash(name)); Put16(b, o + 4, 0); Put16(b, o + 6, index);
        Put32(b, o + 8, (uint)nameOffset); Put32(b, o + 12, next);
    }

    static void Put16(byte[] b, long o, ushort v) => BitConverter.GetBytes(v).CopyTo(b, o);
    static void Put32(byte[] b, long o, uint v) => BitConverter.GetBytes(v).CopyTo(b, o);
}
