// Inline MSBuild task, compiled on the fly by RoslynCodeTaskFactory from
// Microsoft.ML.Gan.Native.targets (which explains when and why it runs).
//
// The factory compiles against the netstandard2.0 reference set only, so this file sticks to
// APIs found there: no File.Move(..., overwrite), no spans, no BinaryPrimitives.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Microsoft.ML.Gan.Build
{
    /// <summary>
    /// Marks one symbol-version requirement (e.g. GLIBCXX_3.4.32) of ELF shared libraries as weak,
    /// when the system's libstdc++ does not define that version.
    /// </summary>
    public sealed class ElfWeakVersionPatch : Task
    {
        // glibc's VER_FLG_WEAK: a missing weak version is not fatal to the dynamic loader.
        private const ushort VerFlgWeak = 0x2;

        private const string WarningCode = "MLGANELF001";

        /// <summary>Shared libraries to patch in place (copies in a build or publish output).</summary>
        [Required]
        public ITaskItem[] Files { get; set; }

        /// <summary>The version requirement to weaken, e.g. GLIBCXX_3.4.32.</summary>
        [Required]
        public string VersionName { get; set; }

        /// <summary>
        /// Paths of libstdc++.so.6 to look at, in the order the dynamic loader would find them;
        /// the first one that exists is taken as the one the application will get.
        /// </summary>
        [Required]
        public string[] LibStdCxxCandidates { get; set; }

        public override bool Execute()
        {
            string libStdCxx = null;
            foreach (string candidate in LibStdCxxCandidates)
            {
                if (File.Exists(candidate))
                {
                    libStdCxx = candidate;
                    break;
                }
            }

            if (libStdCxx == null)
            {
                // Without knowing which libstdc++ the loader will pick there is no basis for editing a binary.
                Log.LogMessage(MessageImportance.Normal,
                    "Microsoft.ML.Gan: no libstdc++.so.6 found in {0}; leaving TorchSharp's native library as shipped.",
                    string.Join(", ", LibStdCxxCandidates));
                return true;
            }

            bool defined;
            string newest;
            try
            {
                defined = LibraryDefinesVersion(libStdCxx, VersionName, out newest);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogMessage(MessageImportance.Normal,
                    "Microsoft.ML.Gan: could not read {0} ({1}); leaving TorchSharp's native library as shipped.", libStdCxx, e.Message);
                return true;
            }

            if (defined)
            {
                Log.LogMessage(MessageImportance.Low,
                    "Microsoft.ML.Gan: {0} defines {1}; TorchSharp's native library needs no patch.", libStdCxx, VersionName);
                return true;
            }

            foreach (ITaskItem item in Files)
            {
                PatchFile(item.GetMetadata("FullPath"), libStdCxx, newest);
            }

            return !Log.HasLoggedErrors;
        }

        private void PatchFile(string path, string libStdCxx, string newestSystemVersion)
        {
            byte[] data;
            ElfImage elf;
            List<VersionNeed> needs;
            try
            {
                data = File.ReadAllBytes(path);
                elf = new ElfImage(data);
                needs = elf.FindVersionNeeds(VersionName);
            }
            catch (Exception e) when (e is BadElfException || e is IOException || e is UnauthorizedAccessException)
            {
                Warn(path, "left " + path + " unchanged: " + e.Message + ".");
                return;
            }

            if (needs.Count == 0)
            {
                // A TorchSharp build that does not ask for the version is simply fine as it is.
                Log.LogMessage(MessageImportance.Low,
                    "Microsoft.ML.Gan: {0} does not require {1}; nothing to patch.", path, VersionName);
                return;
            }

            List<VersionNeed> strong = needs.FindAll(n => (n.Flags & VerFlgWeak) == 0);
            if (strong.Count == 0)
            {
                return; // Patched by an earlier build: stay quiet and leave the file (and its timestamp) alone.
            }

            // Weakening is only harmless when nothing is ever bound under that version: a weak but
            // missing version still makes every relocation against one of its symbols fail, just later
            // (at the first call) instead of at load time.
            var indices = new HashSet<ushort>();
            foreach (VersionNeed need in strong)
            {
                indices.Add(need.VersionIndex);
            }

            List<string> symbols;
            List<string> relocated;
            try
            {
                elf.FindSymbolsOfVersions(indices, out symbols, out relocated);
            }
            catch (BadElfException e)
            {
                Warn(path, "left " + path + " unchanged: " + e.Message + ".");
                return;
            }

            if (relocated.Count > 0)
            {
                Warn(path, "left " + path + " unchanged: it binds " + string.Join(", ", relocated) + " under " + VersionName
                    + ", which " + libStdCxx + " lacks, so marking the version weak would only move the failure to the first call."
                    + " Use a libstdc++ from GCC 13 or later.");
                return;
            }

            foreach (VersionNeed need in strong)
            {
                WriteUInt16(data, need.FlagsOffset, (ushort)(need.Flags | VerFlgWeak));
            }

            try
            {
                ReplaceAtomically(path, data);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Warn(path, "could not write " + path + ": " + e.Message);
                return;
            }

            Log.LogMessage(MessageImportance.High,
                "Microsoft.ML.Gan: marked {0} weak in {1}: this system's libstdc++ ({2}, newest {3}) lacks it, and TorchSharp only references {4} under it, with no relocation, so the loader may skip that check. Set MicrosoftMLGanPatchTorchSharpNative=false to opt out.",
                VersionName, path, libStdCxx, newestSystemVersion ?? "version unknown",
                symbols.Count == 0 ? "no symbol" : string.Join(", ", symbols));
        }

        // The new content goes to a sibling temp file that then takes the original's name by rename(2):
        // readers never see a half-written library, and the name stops pointing at the old inode, so a
        // hard link into the NuGet cache (CreateHardLinksForCopyLocalIfPossible) is never written through.
        private static void ReplaceAtomically(string path, byte[] data)
        {
            string temp = Path.Combine(
                Path.GetDirectoryName(path),
                "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            DateTime lastWrite = File.GetLastWriteTimeUtc(path);
            try
            {
                // Copying first gives the temp file the original's permission bits, which netstandard2.0 cannot set directly.
                File.Copy(path, temp);
                File.WriteAllBytes(temp, data);

                // Keep the package file's timestamp: MSBuild's incremental copy treats same size + same time as
                // "unchanged", so later builds neither re-copy the pristine library over this one nor patch again.
                File.SetLastWriteTimeUtc(temp, lastWrite);

                // File.Replace is rename(2) on Unix, i.e. what File.Move(overwrite: true) would do.
                File.Replace(temp, path, null);
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        // Finds whether an ELF library defines a symbol version; also reports the newest
        // version with the same prefix (e.g. GLIBCXX_3.4.30) for the log.
        private bool LibraryDefinesVersion(string path, string version, out string newest)
        {
            newest = null;
            byte[] data = File.ReadAllBytes(path);
            List<string> defined;
            try
            {
                defined = new ElfImage(data).DefinedVersions();
            }
            catch (BadElfException e)
            {
                // Not an ELF64 file we can read: fall back to looking for the NUL-delimited name anywhere in it.
                Log.LogMessage(MessageImportance.Low,
                    "Microsoft.ML.Gan: could not read the version definitions of {0} ({1}); searching it for the name instead.", path, e.Message);
                return IndexOf(data, Encoding.ASCII.GetBytes("\0" + version + "\0")) >= 0;
            }

            int underscore = version.IndexOf('_');
            string prefix = underscore >= 0 ? version.Substring(0, underscore + 1) : version;
            Version newestNumber = null;
            foreach (string name in defined)
            {
                Version number;
                if (name.StartsWith(prefix, StringComparison.Ordinal)
                    && Version.TryParse(name.Substring(prefix.Length), out number)
                    && (newestNumber == null || number > newestNumber))
                {
                    newestNumber = number;
                    newest = name;
                }
            }

            return defined.Contains(version);
        }

        private void Warn(string file, string reason)
        {
            Log.LogWarning(null, WarningCode, null, file, 0, 0, 0, 0,
                "Microsoft.ML.Gan: {0} TorchSharp's native library may fail to load with \"version `{1}' not found\".",
                reason, VersionName);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (int i = 0; i <= haystack.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }

                if (j == needle.Length)
                {
                    return i;
                }
            }

            return -1;
        }

        private static void WriteUInt16(byte[] data, int offset, ushort value)
        {
            data[offset] = (byte)value;
            data[offset + 1] = (byte)(value >> 8);
        }
    }

    /// <summary>One Vernaux entry that names the requested version.</summary>
    internal sealed class VersionNeed
    {
        public int FlagsOffset;     // file offset of vna_flags
        public ushort Flags;        // vna_flags
        public ushort VersionIndex; // vna_other: the index that .gnu.version gives symbols bound to it
    }

    internal sealed class BadElfException : Exception
    {
        public BadElfException(string message) : base(message) { }
    }

    /// <summary>
    /// Read-only view of an ELF64 little-endian file, just deep enough to reach the GNU symbol
    /// versioning tables. Every read is bounds-checked, so a truncated or foreign file ends in a
    /// <see cref="BadElfException"/> instead of an index error or a wrong write.
    /// </summary>
    internal sealed class ElfImage
    {
        private const uint ShtRela = 4;
        private const uint ShtNoBits = 8;
        private const uint ShtRel = 9;
        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const uint ShtGnuVersym = 0x6fffffff;

        private readonly byte[] _data;
        private readonly Section[] _sections;

        private struct Section
        {
            public uint Type;
            public ulong Offset;
            public ulong Size;
            public uint Link;
            public uint Info;
        }

        public ElfImage(byte[] data)
        {
            _data = data;
            if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            {
                throw new BadElfException("not an ELF file (bad magic)");
            }

            if (data[4] != 2)
            {
                throw new BadElfException("not a 64-bit ELF file (EI_CLASS " + data[4] + ")");
            }

            if (data[5] != 1)
            {
                throw new BadElfException("not a little-endian ELF file (EI_DATA " + data[5] + ")");
            }

            ulong shoff = U64(40);
            int shentsize = U16(58);
            uint shnum = U16(60);
            if (shoff == 0)
            {
                throw new BadElfException("no section header table");
            }

            if (shentsize < 64)
            {
                throw new BadElfException("section header entries of " + shentsize + " bytes, expected at least 64");
            }

            if (shnum == 0)
            {
                // More than 0xff00 sections: the real count lives in section 0's sh_size.
                ulong extended = U64(Offset(shoff, 32));
                if (extended > uint.MaxValue)
                {
                    throw new BadElfException("implausible section count " + extended);
                }

                shnum = (uint)extended;
            }

            if (!FitsIn(shoff, (ulong)shnum * (ulong)shentsize, (ulong)data.Length))
            {
                throw new BadElfException("section header table runs past the end of the file");
            }

            _sections = new Section[shnum];
            for (uint i = 0; i < shnum; i++)
            {
                int at = Offset(shoff, i * (ulong)shentsize);
                Section s;
                s.Type = U32(at + 4);
                s.Offset = U64(at + 24);
                s.Size = U64(at + 32);
                s.Link = U32(at + 40);
                s.Info = U32(at + 44);
                if (s.Type == ShtNoBits)
                {
                    s.Size = 0; // occupies no bytes in the file, so it has nothing to read
                }
                else if (!FitsIn(s.Offset, s.Size, (ulong)data.Length))
                {
                    throw new BadElfException("section " + i + " runs past the end of the file");
                }

                _sections[i] = s;
            }
        }

        /// <summary>All Vernaux entries (in .gnu.version_r) whose name is <paramref name="version"/>.</summary>
        public List<VersionNeed> FindVersionNeeds(string version)
        {
            int index = FindSection(ShtGnuVerneed);
            if (index < 0)
            {
                throw new BadElfException("no SHT_GNU_verneed (.gnu.version_r) section");
            }

            Section verneed = _sections[index];
            Section strtab = LinkedSection(verneed);
            var found = new List<VersionNeed>();

            // sh_info holds the number of Verneed records (one per needed library).
            ulong pos = verneed.Offset;
            for (uint i = 0; i < verneed.Info; i++)
            {
                int vn = Within(verneed, pos, 16);
                ushort vnVersion = U16(vn);
                ushort vnCnt = U16(vn + 2);
                uint vnAux = U32(vn + 8);
                uint vnNext = U32(vn + 12);
                if (vnVersion != 1)
                {
                    throw new BadElfException("unknown Verneed version " + vnVersion);
                }

                ulong auxPos = pos + vnAux;
                for (int j = 0; j < vnCnt; j++)
                {
                    int vna = Within(verneed, auxPos, 16);
                    if (ReadString(strtab, U32(vna + 8)) == version)
                    {
                        found.Add(new VersionNeed { FlagsOffset = vna + 4, Flags = U16(vna + 4), VersionIndex = U16(vna + 6) });
                    }

                    uint vnaNext = U32(vna + 12);
                    if (vnaNext == 0)
                    {
                        break;
                    }

                    auxPos += vnaNext;
                }

                if (vnNext == 0)
                {
                    break;
                }

                pos += vnNext;
            }

            return found;
        }

        /// <summary>Names of all versions in .gnu.version_d (what a library defines).</summary>
        public List<string> DefinedVersions()
        {
            int index = FindSection(ShtGnuVerdef);
            if (index < 0)
            {
                throw new BadElfException("no SHT_GNU_verdef (.gnu.version_d) section");
            }

            Section verdef = _sections[index];
            Section strtab = LinkedSection(verdef);
            var names = new List<string>();
            ulong pos = verdef.Offset;
            for (uint i = 0; i < verdef.Info; i++)
            {
                int vd = Within(verdef, pos, 20);
                ushort vdCnt = U16(vd + 6);
                uint vdAux = U32(vd + 12);
                uint vdNext = U32(vd + 16);

                // The first Verdaux names the version itself; the others name its parents.
                if (vdCnt > 0)
                {
                    int vda = Within(verdef, pos + vdAux, 8);
                    names.Add(ReadString(strtab, U32(vda)));
                }

                if (vdNext == 0)
                {
                    break;
                }

                pos += vdNext;
            }

            return names;
        }

        /// <summary>
        /// Dynamic symbols that .gnu.version binds to one of <paramref name="versionIndices"/>, and those of them
        /// that some dynamic relocation refers to (i.e. that the loader would actually have to resolve).
        /// </summary>
        public void FindSymbolsOfVersions(HashSet<ushort> versionIndices, out List<string> symbols, out List<string> relocated)
        {
            symbols = new List<string>();
            relocated = new List<string>();
            int versymIndex = FindSection(ShtGnuVersym);
            if (versymIndex < 0)
            {
                return; // No symbol is versioned at all, so none can depend on this version.
            }

            Section versym = _sections[versymIndex];
            uint dynsymIndex = versym.Link;
            Section dynsym = LinkedSection(versym);
            Section dynstr = LinkedSection(dynsym);
            ulong count = versym.Size / 2;
            if (dynsym.Size / 24 < count)
            {
                throw new BadElfException(".gnu.version has more entries than its symbol table");
            }

            var byIndex = new Dictionary<ulong, string>();
            for (ulong i = 0; i < count; i++)
            {
                // Bit 15 only marks the symbol hidden; the rest is the version index.
                ushort version = (ushort)(U16(Within(versym, versym.Offset + i * 2, 2)) & 0x7fff);
                if (versionIndices.Contains(version))
                {
                    string name = ReadString(dynstr, U32(Within(dynsym, dynsym.Offset + i * 24, 24)));
                    byIndex[i] = name;
                    symbols.Add(name);
                }
            }

            if (byIndex.Count == 0)
            {
                return;
            }

            for (int s = 0; s < _sections.Length; s++)
            {
                Section rel = _sections[s];
                if ((rel.Type != ShtRela && rel.Type != ShtRel) || rel.Link != dynsymIndex)
                {
                    continue;
                }

                ulong entrySize = rel.Type == ShtRela ? 24UL : 16UL;
                for (ulong at = rel.Offset; at + entrySize <= rel.Offset + rel.Size; at += entrySize)
                {
                    ulong symbol = U64(Within(rel, at + 8, 8)) >> 32; // ELF64_R_SYM(r_info)
                    string name;
                    if (byIndex.TryGetValue(symbol, out name) && !relocated.Contains(name))
                    {
                        relocated.Add(name);
                    }
                }
            }
        }

        private int FindSection(uint type)
        {
            for (int i = 0; i < _sections.Length; i++)
            {
                if (_sections[i].Type == type)
                {
                    return i;
                }
            }

            return -1;
        }

        private Section LinkedSection(Section s)
        {
            if (s.Link == 0 || s.Link >= _sections.Length)
            {
                throw new BadElfException("section link " + s.Link + " is out of range");
            }

            return _sections[s.Link];
        }

        // File offset of a record of `length` bytes at `pos`, checked to lie inside section `s`.
        private static int Within(Section s, ulong pos, ulong length)
        {
            if (pos < s.Offset || !FitsIn(pos - s.Offset, length, s.Size))
            {
                throw new BadElfException("record at offset " + pos + " lies outside its section");
            }

            return (int)pos;
        }

        // offset + length <= limit, without the sum wrapping around on hostile values.
        private static bool FitsIn(ulong offset, ulong length, ulong limit)
        {
            return length <= limit && offset <= limit - length;
        }

        private int Offset(ulong baseOffset, ulong delta)
        {
            if (!FitsIn(baseOffset, delta, (ulong)_data.Length - 1))
            {
                throw new BadElfException("offset " + baseOffset + " + " + delta + " is past the end of the file");
            }

            return (int)(baseOffset + delta);
        }

        private string ReadString(Section strtab, uint offset)
        {
            if (offset >= strtab.Size)
            {
                throw new BadElfException("string offset " + offset + " is outside the string table");
            }

            int start = (int)(strtab.Offset + offset);
            int end = start;
            int limit = (int)(strtab.Offset + strtab.Size);
            while (end < limit && _data[end] != 0)
            {
                end++;
            }

            if (end == limit)
            {
                throw new BadElfException("unterminated string in the string table");
            }

            return Encoding.ASCII.GetString(_data, start, end - start);
        }

        private ushort U16(int at)
        {
            Check(at, 2);
            return (ushort)(_data[at] | _data[at + 1] << 8);
        }

        private uint U32(int at)
        {
            Check(at, 4);
            return (uint)(_data[at] | _data[at + 1] << 8 | _data[at + 2] << 16 | _data[at + 3] << 24);
        }

        private ulong U64(int at)
        {
            Check(at, 8);
            return U32(at) | (ulong)U32(at + 4) << 32;
        }

        private void Check(int at, int length)
        {
            if (at < 0 || at > _data.Length - length)
            {
                throw new BadElfException("read at offset " + at + " is past the end of the file");
            }
        }
    }
}
