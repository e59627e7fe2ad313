// Reader for cpio "newc" archives (the root file tree ops packs as the initrd).
namespace Compat.Loader
{
    public unsafe struct CpioEntry
    {
        public byte* Name;        // without leading "./" or "/", not NUL-terminated
        public int NameLength;
        public uint Mode;
        public uint Mtime;
        public uint Uid, Gid;
        public byte* Data;
        public ulong Size;

        public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000;
        public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
        public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
        public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;

        public bool NameEquals(string path)
        {
            int start = 0;
            while (start < path.Length && path[start] == '/') start++;
            if (path.Length - start != NameLength) return false;
            for (int i = 0; i < NameLength; i++) if (Name[i] != path[start + i]) return false;
            return true;
        }
    }

    public unsafe struct CpioReader
    {
        private const int HeaderSize = 110;
        private byte* _base;
        private ulong _length, _offset;
        public bool Failed;       // set when the archive is malformed (Next then returns false)

        public CpioReader(byte* archive, ulong length) { _base = archive; _length = length; _offset = 0; Failed = false; }

        private static bool Hex(byte* p, out uint value)
        {
            value = 0;
            for (int i = 0; i < 8; i++)
            {
                byte c = p[i];
                uint d;
                if (c >= '0' && c <= '9') d = (uint)(c - '0');
                else if (c >= 'a' && c <= 'f') d = (uint)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F') d = (uint)(c - 'A' + 10);
                else return false;
                value = value << 4 | d;
            }
            return true;
        }

        public bool Next(out CpioEntry e)
        {
            e = default;
            if (Failed || _offset + HeaderSize > _length) { Failed = _offset != _length && !Failed ? true : Failed; return false; }
            byte* h = _base + _offset;
            if (h[0] != '0' || h[1] != '7' || h[2] != '0' || h[3] != '7' || h[4] != '0' || h[5] != '1') { Failed = true; return false; }
            if (!Hex(h + 14, out uint mode) || !Hex(h + 22, out uint uid) || !Hex(h + 30, out uint gid) ||
                !Hex(h + 46, out uint mtime) || !Hex(h + 54, out uint fileSize) || !Hex(h + 94, out uint nameSize)) { Failed = true; return false; }
            ulong nameOff = _offset + HeaderSize;
            if (nameSize == 0 || nameOff + nameSize > _length) { Failed = true; return false; }
            ulong dataOff = (nameOff + nameSize + 3) & ~3UL;
            if (dataOff + fileSize > _length) { Failed = true; return false; }
            byte* name = _base + nameOff;
            int len = (int)nameSize - 1;                 // drop the NUL
            if (len == 10 && IsTrailer(name)) { _offset = _length; return false; }
            while (len > 1 && name[0] == '.' && name[1] == '/') { name += 2; len -= 2; }
            while (len > 0 && name[0] == '/') { name++; len--; }
            if (len == 1 && name[0] == '.') len = 0;   // the root itself
            e.Name = name;
            e.NameLength = len;
            e.Mode = mode;
            e.Uid = uid;
            e.Gid = gid;
            e.Mtime = mtime;
            e.Data = _base + dataOff;
            e.Size = fileSize;
            _offset = (dataOff + fileSize + 3) & ~3UL;
            return true;
        }

        private static bool IsTrailer(byte* n)
        {
            string t = "TRAILER!!!";
            for (int i = 0; i < 10; i++) if (n[i] != t[i]) return false;
            return true;
        }

        public static bool Find(byte* archive, ulong length, string path, out CpioEntry found)
        {
            var r = new CpioReader(archive, length);
            while (r.Next(out CpioEntry e))
                if (e.NameEquals(path)) { found = e; return true; }
            found = default;
            return false;
        }
    }
}
