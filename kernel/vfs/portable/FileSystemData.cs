// File contents (read, write, truncate) and loading the initrd (cpio newc).
using System;
using Compat.Loader;

namespace Kernel.Vfs
{
    public static unsafe partial class FileSystem
    {
        // A regular file's contents are one contiguous buffer while they fit in ChunkSize bytes
        // (most files: one allocation, no table) and a table of ChunkSize chunks beyond that, so a
        // growing file never copies what it already holds and never needs a large contiguous block.
        // 64 KiB: 16 contiguous frames per chunk (easy to find), a 100 MiB file's table is 1600
        // entries (12.5 KiB) and a file with data at 1 GiB needs a 128 KiB table.
        public const int ChunkShift = 16;
        public const long ChunkSize = 1L << ChunkShift;
        private const long ChunkMask = ChunkSize - 1;
        private const long MinChunkSlots = 4;

        /// <summary>
        /// pread: copies up to dst.Length bytes at <paramref name="offset"/>; returns the count (0 at
        /// or past end of file). SpecialInode: its Read. Errors: EISDIR, EINVAL (negative offset,
        /// symlink or other non-regular node).
        /// </summary>
        public static long Read(Inode node, long offset, Span<byte> dst)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Read(offset, dst);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (offset < 0) return -Errno.EINVAL;
            if (offset >= node.Size || dst.Length == 0) return 0;
            long n = Math.Min((long)dst.Length, node.Size - offset);
            fixed (byte* d = dst)
            {
                if (node.Chunks != null) ReadChunks(node, offset, d, n);
                else
                {
                    long stored = Math.Min(n, Math.Max(0L, node.Capacity - offset));
                    if (stored > 0) Mem.Copy(d, node.Data + offset, (ulong)stored);
                    if (n > stored) Mem.Zero(d + stored, (ulong)(n - stored));
                }
            }
            return n;
        }

        private static void ReadChunks(Inode node, long offset, byte* d, long n)
        {
            while (n > 0)
            {
                long i = offset >> ChunkShift, within = offset & ChunkMask;
                long take = Math.Min(n, ChunkSize - within);
                byte* c = i < node.ChunkSlots ? node.Chunks[i] : null;
                if (c != null) Mem.Copy(d, c + within, (ulong)take);
                else Mem.Zero(d, (ulong)take);
                d += take;
                offset += take;
                n -= take;
            }
        }

        /// <summary>
        /// pwrite: writes all of <paramref name="src"/> at <paramref name="offset"/> (a gap past the
        /// end reads as zeros), grows Size, sets mtime/ctime; returns src.Length. SpecialInode: its
        /// Write. Errors: EISDIR, EINVAL (negative offset, non-regular), EFBIG (offset + length
        /// overflows), ENOSPC (out of memory: the file is unchanged, or holds a prefix of the write
        /// in whole chunks, as a short write would).
        /// </summary>
        public static long Write(Inode node, long offset, ReadOnlySpan<byte> src)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Write(offset, src);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (offset < 0) return -Errno.EINVAL;
            if (src.Length == 0) return 0;
            if (offset > long.MaxValue - src.Length) return -Errno.EFBIG;
            long end = offset + src.Length;
            long done;
            fixed (byte* s = src)
            {
                if (node.Chunks == null && end <= ChunkSize && StoredBytes(node) <= ChunkSize)
                {
                    int r = EnsureOwned(node, end);
                    if (r < 0) return r;
                    Mem.Copy(node.Data + offset, s, (ulong)src.Length);
                    done = src.Length;
                }
                else
                {
                    if (node.Chunks == null)
                    {
                        int r = ToChunks(node, end);
                        if (r < 0) return r;
                    }
                    done = WriteChunks(node, offset, s, src.Length);
                    if (done <= 0) return done < 0 ? done : -Errno.ENOSPC;
                }
            }
            if (offset + done > node.Size) node.Size = offset + done;
            long t = Time();
            node.MtimeNs = t;
            node.CtimeNs = t;
            return done;
        }

        /// <summary>
        /// cachestat's count: the 4 KiB pages from <paramref name="firstPage"/> to <paramref name="lastPage"/>
        /// (inclusive) of a regular file's [0, Size) whose bytes are stored, the rest being holes that
        /// read as zeros. Storage is at chunk granularity (a contiguous file stores everything up to
        /// its capacity), so a hole inside a stored chunk counts, where Linux would count no page.
        /// </summary>
        public static ulong StoredPages(Inode node, ulong firstPage, ulong lastPage)
        {
            const int PageShift = 12;
            if (node == null || node.IsSpecial || !node.IsRegular || node.Size <= 0) return 0;
            ulong filePages = ((ulong)node.Size + (1UL << PageShift) - 1) >> PageShift;
            if (lastPage >= filePages) lastPage = filePages - 1;
            if (firstPage > lastPage) return 0;
            if (node.Chunks == null)
            {
                ulong stored = ((ulong)StoredBytes(node) + (1UL << PageShift) - 1) >> PageShift;
                return Overlap(firstPage, lastPage, 0, stored);
            }
            const int PagesPerChunk = 1 << (ChunkShift - PageShift);
            ulong total = 0;
            ulong lastChunk = lastPage / PagesPerChunk;
            for (ulong i = firstPage / PagesPerChunk; i <= lastChunk && i < (ulong)node.ChunkSlots; i++)
                if (node.Chunks[i] != null) total += Overlap(firstPage, lastPage, i * PagesPerChunk, (i + 1) * PagesPerChunk);
            return total;
        }

        /// <summary>How many of the pages [start, end) lie in [first, last].</summary>
        private static ulong Overlap(ulong first, ulong last, ulong start, ulong end)
        {
            ulong lo = first > start ? first : start, hi = last + 1 < end ? last + 1 : end;
            return hi > lo ? hi - lo : 0;
        }

        /// <summary>Bytes of a contiguous (non-chunked) file that are stored rather than implied zeros.</summary>
        private static long StoredBytes(Inode node) => node.Data == null ? 0 : Math.Max(0L, Math.Min(node.Size, node.Capacity));

        /// <summary>
        /// Copies <paramref name="n"/> bytes into the chunks from <paramref name="offset"/>, allocating
        /// missing ones (zeroed). Returns the bytes written: less than n only when memory ran out (then
        /// a whole number of chunks from offset, possibly 0), or -ENOSPC when the table cannot grow.
        /// </summary>
        private static long WriteChunks(Inode node, long offset, byte* s, long n)
        {
            int r = EnsureSlots(node, ((offset + n - 1) >> ChunkShift) + 1);
            if (r < 0) return r;
            long done = 0;
            while (done < n)
            {
                long i = offset >> ChunkShift, within = offset & ChunkMask;
                long take = Math.Min(n - done, ChunkSize - within);
                byte* c = node.Chunks[i];
                if (c == null)
                {
                    c = (byte*)VfsMemory.Alloc((ulong)ChunkSize);
                    if (c == null) return done;
                    node.Chunks[i] = c;
                }
                Mem.Copy(c + within, s + done, (ulong)take);
                done += take;
                offset += take;
            }
            return done;
        }

        /// <summary>Grows the chunk table (geometrically) to at least <paramref name="slots"/> entries.</summary>
        private static int EnsureSlots(Inode node, long slots)
        {
            if (slots <= node.ChunkSlots) return 0;
            long grown = node.ChunkSlots * 2;
            if (grown < slots) grown = slots;
            if (grown < MinChunkSlots) grown = MinChunkSlots;
            if (grown > long.MaxValue / 8) return -Errno.EFBIG;
            byte** table = (byte**)VfsMemory.Alloc((ulong)grown * 8);
            if (table == null) return -Errno.ENOSPC;
            if (node.Chunks != null)
            {
                Mem.Copy(table, node.Chunks, (ulong)node.ChunkSlots * 8);
                VfsMemory.Free(node.Chunks);
            }
            node.Chunks = table;
            node.ChunkSlots = grown;
            return 0;
        }

        /// <summary>
        /// Moves a contiguous file (owned, borrowed from the initrd, or empty) into chunks, with a
        /// table of room for <paramref name="end"/> bytes. An owned buffer of a full chunk becomes
        /// chunk 0 as is; other stored bytes are copied. On failure the file is unchanged.
        /// </summary>
        private static int ToChunks(Inode node, long end)
        {
            long stored = StoredBytes(node);
            long need = ((Math.Max(end, stored) - 1) >> ChunkShift) + 1;
            byte** table = (byte**)VfsMemory.Alloc((ulong)Math.Max(need, MinChunkSlots) * 8);
            if (table == null) return -Errno.ENOSPC;
            long slots = Math.Max(need, MinChunkSlots);
            bool adopt = node.DataOwned && node.Capacity == ChunkSize && stored > 0;
            for (long i = 0; i * ChunkSize < stored; i++)
            {
                if (i == 0 && adopt) { table[0] = node.Data; continue; }
                byte* c = (byte*)VfsMemory.Alloc((ulong)ChunkSize);
                if (c == null)
                {
                    for (long k = adopt ? 1 : 0; k < i; k++) VfsMemory.Free(table[k]);
                    VfsMemory.Free(table);
                    return -Errno.ENOSPC;
                }
                Mem.Copy(c, node.Data + i * ChunkSize, (ulong)Math.Min(ChunkSize, stored - i * ChunkSize));
                table[i] = c;
            }
            if (node.DataOwned && node.Data != null && !adopt) VfsMemory.Free(node.Data);
            node.Data = null;
            node.Capacity = 0;
            node.DataOwned = false;
            node.Chunks = table;
            node.ChunkSlots = slots;
            return 0;
        }

        /// <summary>
        /// truncate: sets the size; new bytes read as zeros (no memory is allocated for them);
        /// shrinking frees the chunks past the end and zeros the rest of the last one, truncating to 0
        /// frees everything. mtime/ctime change when the size does. SpecialInode: its Truncate.
        /// Errors: EISDIR, EINVAL (negative size, non-regular).
        /// </summary>
        public static int Truncate(Inode node, long size)
        {
            if (node == null) return -Errno.EBADF;
            if (node.IsSpecial) return ((SpecialInode)node).Truncate(size);
            if (node.IsDirectory) return -Errno.EISDIR;
            if (!node.IsRegular) return -Errno.EINVAL;
            if (size < 0) return -Errno.EINVAL;
            if (size == node.Size) return 0;
            if (size < node.Size)
            {
                if (size == 0) FreeContents(node);
                else if (node.Chunks != null)
                {
                    // Chunks wholly past the end go; the tail of the last one becomes zeros again.
                    long keep = ((size - 1) >> ChunkShift) + 1;
                    for (long i = keep; i < node.ChunkSlots; i++)
                        if (node.Chunks[i] != null) { VfsMemory.Free(node.Chunks[i]); node.Chunks[i] = null; }
                    long within = size & ChunkMask;
                    byte* last = keep - 1 < node.ChunkSlots ? node.Chunks[keep - 1] : null;
                    if (within != 0 && last != null)
                    {
                        long stop = Math.Min(ChunkSize, node.Size - ((keep - 1) << ChunkShift));
                        if (stop > within) Mem.Zero(last + within, (ulong)(stop - within));
                    }
                }
                else if (node.DataOwned)
                {
                    // Keep the invariant: owned buffer bytes past Size are zero.
                    long stop = Math.Min(node.Size, node.Capacity);
                    if (stop > size) Mem.Zero(node.Data + size, (ulong)(stop - size));
                }
                else if (node.Capacity > size) node.Capacity = size;   // borrowed bytes past Size are never read
            }
            node.Size = size;
            long t = Time();
            node.MtimeNs = t;
            node.CtimeNs = t;
            return 0;
        }

        /// <summary>Frees a node's owned contents (buffer, or chunks and table); it then reads as all zeros.</summary>
        internal static void FreeContents(Inode node)
        {
            if (node.Chunks != null)
            {
                for (long i = 0; i < node.ChunkSlots; i++)
                    if (node.Chunks[i] != null) VfsMemory.Free(node.Chunks[i]);
                VfsMemory.Free(node.Chunks);
                node.Chunks = null;
                node.ChunkSlots = 0;
            }
            if (node.DataOwned && node.Data != null) VfsMemory.Free(node.Data);
            node.Data = null;
            node.Capacity = 0;
            node.DataOwned = false;
        }

        /// <summary>
        /// fallocate(FALLOC_FL_PUNCH_HOLE): bytes [offset, offset + length) of a regular file read as
        /// zeros afterwards; the size does not change. Chunks wholly inside the hole (or wholly past
        /// the end of the file) are freed, as is a contiguous buffer the hole covers; partly covered
        /// ones are zeroed. A borrowed (initrd) file is first moved into chunks. Errors: ENOSPC.
        /// </summary>
        public static int PunchHole(Inode node, long offset, long length)
        {
            long end = length > node.Size - offset ? node.Size : offset + length;
            if (offset >= end) return 0;
            if (node.Chunks == null && node.Data != null && !node.DataOwned)
            {
                int r = ToChunks(node, node.Size);
                if (r < 0) return r;
            }
            if (node.Chunks == null)
            {
                long stored = StoredBytes(node);
                if (offset == 0 && end >= stored) FreeContents(node);
                else if (offset < stored) Mem.Zero(node.Data + offset, (ulong)(Math.Min(end, stored) - offset));
            }
            else
            {
                for (long i = offset >> ChunkShift; i < node.ChunkSlots && i << ChunkShift < end; i++)
                {
                    byte* c = node.Chunks[i];
                    if (c == null) continue;
                    long start = i << ChunkShift, stop = Math.Min(start + ChunkSize, node.Size);
                    if (start >= offset && stop <= end) { VfsMemory.Free(c); node.Chunks[i] = null; continue; }
                    long from = Math.Max(start, offset), to = Math.Min(stop, end);
                    if (to > from) Mem.Zero(c + (from - start), (ulong)(to - from));
                }
            }
            long t = Time();
            node.MtimeNs = t;
            node.CtimeNs = t;
            return 0;
        }

        /// <summary>
        /// lseek SEEK_DATA / SEEK_HOLE: the first offset at or after <paramref name="offset"/> that is
        /// stored (data) or not (a hole; the end of the file counts as one), or -ENXIO at or past the
        /// end (or when no data follows). Stored means: in a chunk that exists, or (contiguous file) in
        /// a 4 KiB page below the buffer's stored bytes.
        /// </summary>
        public static long SeekData(Inode node, long offset, bool hole)
        {
            if (offset < 0 || offset >= node.Size) return -Errno.ENXIO;
            if (node.IsSpecial || !node.IsRegular) return hole ? node.Size : offset;
            if (node.Chunks == null)
            {
                long stored = Math.Min(node.Size, (StoredBytes(node) + 4095) & ~4095L);
                if (hole) return offset < stored ? stored : offset;
                return offset < stored ? offset : -Errno.ENXIO;
            }
            for (long i = offset >> ChunkShift; ; i++)
            {
                long start = i << ChunkShift;
                if (start >= node.Size) return hole ? node.Size : -Errno.ENXIO;
                bool present = i < node.ChunkSlots && node.Chunks[i] != null;
                if (present != hole) return Math.Max(start, offset);
            }
        }

        /// <summary>
        /// Makes Data an owned buffer of at least <paramref name="needed"/> bytes (doubling, at most
        /// ChunkSize) for a contiguous file whose stored bytes fit in ChunkSize.
        /// </summary>
        private static int EnsureOwned(Inode node, long needed)
        {
            if (node.DataOwned && node.Capacity >= needed) return 0;
            long keep = StoredBytes(node);                       // stored bytes to carry over
            long cap = needed > keep ? needed : keep;
            if (node.DataOwned && node.Capacity * 2 > cap) cap = node.Capacity * 2;
            if (cap < 16) cap = 16;
            cap = (cap + 15) & ~15L;
            if (cap > ChunkSize) cap = ChunkSize;
            byte* p = (byte*)VfsMemory.Alloc((ulong)cap);
            if (p == null) return -Errno.ENOSPC;
            if (keep > 0) Mem.Copy(p, node.Data, (ulong)keep);
            if (node.DataOwned && node.Data != null) VfsMemory.Free(node.Data);
            node.Data = p;
            node.Capacity = cap;
            node.DataOwned = true;
            return 0;
        }

        /// <summary>
        /// The whole file as one contiguous block for the ELF loader: the initrd bytes themselves
        /// when they cover the file (no copy; <paramref name="copy"/> null), otherwise a VfsMemory
        /// copy the caller frees with FreeContiguous when done (<paramref name="copy"/> = the result).
        /// Null when the file is empty, not regular, over 2 GiB, or memory ran out.
        /// </summary>
        public static byte* Contiguous(Inode node, out byte* copy)
        {
            copy = null;
            if (node == null || !node.IsRegular || node.IsSpecial || node.Size <= 0) return null;
            if (node.Chunks == null && node.Data != null && node.Capacity >= node.Size) return node.Data;
            if (node.Size > int.MaxValue) return null;
            byte* p = (byte*)VfsMemory.Alloc((ulong)node.Size);
            if (p == null) return null;
            Read(node, 0, new Span<byte>(p, (int)node.Size));
            copy = p;
            return p;
        }

        /// <summary>Frees what Contiguous copied (null: nothing).</summary>
        public static void FreeContiguous(byte* copy)
        {
            if (copy != null) VfsMemory.Free(copy);
        }

        // ---------------------------------------------------------------- initrd

        /// <summary>Entries LoadCpio skipped (name too long, parent not a directory, "." / ".." names).</summary>
        public static int CpioSkipped;

        /// <summary>
        /// Adds the entries of a cpio newc archive to the tree (Init first if needed): directories,
        /// regular files and symlinks whose data stay in the archive (it must outlive the tree and
        /// is never written), and device/FIFO/socket nodes (Rdev 0). Missing parent directories
        /// are created (040755); a later entry replaces an earlier one of the same name (two
        /// directories merge). Returns 0, or -EINVAL if the archive is malformed (entries before
        /// the damage are kept).
        /// </summary>
        public static int LoadCpio(byte* archive, ulong length)
        {
            if (Root == null) Init();
            var reader = new CpioReader(archive, length);
            s_loading = true;
            while (reader.Next(out CpioEntry e))
                if (!AddCpioEntry(ref e)) CpioSkipped++;
            s_loading = false;
            return reader.Failed ? -Errno.EINVAL : 0;
        }

        private static bool AddCpioEntry(ref CpioEntry e)
        {
            var path = new ReadOnlySpan<byte>(e.Name, e.NameLength);
            long t = (long)e.Mtime * 1000000000L;
            uint type = e.Mode & Inode.S_IFMT;
            int len = path.Length;
            Inode dir = Root;
            int i = 0;
            while (true)
            {
                while (i < len && path[i] == (byte)'/') i++;
                if (i == len)
                {
                    // The root itself ("." or "/"): take its metadata.
                    if (dir != Root || type != Inode.S_IFDIR) return false;
                    SetMeta(Root, e.Mode, ref e, t);
                    return true;
                }
                int s = i;
                while (i < len && path[i] != (byte)'/') i++;
                int j = i;
                while (j < len && path[j] == (byte)'/') j++;
                ReadOnlySpan<byte> name = path.Slice(s, i - s);
                if (name.Length > NameMax) return false;
                if (j < len)
                {
                    // An intermediate directory: create it, or follow what is there.
                    if (IsDot(name)) continue;
                    if (IsDotDot(name)) { if (dir.Parent != null) dir = dir.Parent; continue; }
                    DirEntry d = FindEntry(dir, name);
                    Inode next;
                    if (d == null)
                    {
                        if (Mkdir(dir, name, 0x1ED, out next) < 0) return false;
                    }
                    else
                    {
                        next = d.Node;
                        if (next.IsSymlink)
                        {
                            int links = 0;
                            if (next.Size <= 0 || next.Data == null) return false;
                            Mount mnt = null;
                            if (Walk(dir, new ReadOnlySpan<byte>(next.Data, (int)next.Size), true, ref links, 0, null, ref mnt, out next) < 0) return false;
                        }
                    }
                    if (!next.IsDirectory) return false;
                    dir = next;
                    i = j;
                    continue;
                }
                if (IsDot(name) || IsDotDot(name)) return false;
                return AddCpioNode(dir, name, ref e, type, t);
            }
        }

        private static bool AddCpioNode(Inode dir, ReadOnlySpan<byte> name, ref CpioEntry e, uint type, long t)
        {
            DirEntry old = FindEntry(dir, name);
            if (old != null)
            {
                if (type == Inode.S_IFDIR && old.Node.IsDirectory)
                {
                    SetMeta(old.Node, e.Mode, ref e, t);
                    return true;
                }
                RemoveAny(dir, old);
            }
            Inode n;
            if (type == Inode.S_IFDIR)
            {
                if (Mkdir(dir, name, 0x1ED, out n) < 0) return false;
                SetMeta(n, e.Mode, ref e, t);
                return true;
            }
            if (type != Inode.S_IFREG && type != Inode.S_IFLNK && type != Inode.S_IFCHR && type != Inode.S_IFBLK &&
                type != Inode.S_IFIFO && type != Inode.S_IFSOCK) return false;
            if (e.Size > 0x7FFFFFFFFFFFFFFFUL) return false;
            if (type == Inode.S_IFLNK && e.Size >= PathMax) return false;
            n = NewInode(e.Mode);
            if (type == Inode.S_IFREG || type == Inode.S_IFLNK)
            {
                n.Data = e.Size > 0 ? e.Data : null;
                n.Size = n.Capacity = (long)e.Size;
                n.DataOwned = false;
            }
            if (Attach(dir, name, n, out Inode linked) < 0) return false;
            SetMeta(linked, e.Mode, ref e, t);
            return true;
        }

        private static void SetMeta(Inode n, uint mode, ref CpioEntry e, long t)
        {
            n.Mode = (n.Mode & Inode.S_IFMT) | (mode & Inode.PermMask);
            if (n.IsSymlink) n.Mode = Inode.S_IFLNK | 0x1FF;
            n.Uid = e.Uid;
            n.Gid = e.Gid;
            n.AtimeNs = n.MtimeNs = n.CtimeNs = t;
        }
    }
}
