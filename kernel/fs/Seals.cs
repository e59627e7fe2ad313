// File seals (fcntl F_ADD_SEALS / F_GET_SEALS) of memfd files, as Linux's mm/memfd.c: a seal
// forbids an operation for good, on every descriptor and mapping of the file. Seals live in
// Inode.Seals; a file not made by memfd_create has none and cannot take any (EINVAL).
// The checks here are called from the write paths (write, pwrite and everything built on them),
// truncate, fallocate, mmap and chmod; they return 0 or -errno.
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Fs
{
    internal static unsafe class Seals
    {
        public const int F_SEAL_SEAL = 0x1, F_SEAL_SHRINK = 0x2, F_SEAL_GROW = 0x4, F_SEAL_WRITE = 0x8,
            F_SEAL_FUTURE_WRITE = 0x10, F_SEAL_EXEC = 0x20;
        private const int All = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC;
        /// <summary>Inode.Seals bit of a memfd file: it takes seals (the F_SEAL_* bits are the ones it holds).</summary>
        public const int Sealable = 0x40000000;

        private static int Of(Inode node) => node == null ? 0 : node.Seals & All;

        /// <summary>memfd_create: the new file's seals (F_SEAL_SEAL unless sealing is allowed; as on
        /// Linux 6.x, MFD_NOEXEC_SEAL allows sealing too).</summary>
        public static void Init(Inode node, bool allowSealing, bool noExec)
        {
            node.Seals = Sealable | (allowSealing || noExec ? 0 : F_SEAL_SEAL) | (noExec ? F_SEAL_EXEC : 0);
        }

        /// <summary>F_GET_SEALS.</summary>
        public static long Get(File file) =>
            file.Node != null && (file.Node.Seals & Sealable) != 0 ? Of(file.Node) : -Errno.EINVAL;

        /// <summary>F_ADD_SEALS: only through a descriptor open for writing; F_SEAL_WRITE waits for no
        /// writable shared mapping (EBUSY); F_SEAL_SEAL ends the adding (EPERM).</summary>
        public static long Add(File file, ulong arg)
        {
            // Linux's order: write access, then known bits, then a file that takes seals.
            if (!file.CanWrite) return -Errno.EPERM;
            if ((arg & ~(ulong)All) != 0) return -Errno.EINVAL;
            Inode node = file.Node;
            if (node == null || (node.Seals & Sealable) == 0) return -Errno.EINVAL;
            int seals = (int)arg;
            int held = Of(node);
            if ((held & F_SEAL_SEAL) != 0) return -Errno.EPERM;
            // Linux: sealing exec on an executable file makes it immutable as well.
            if ((seals & F_SEAL_EXEC) != 0 && (node.Mode & 0x49) != 0)
                seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
            if ((seals & F_SEAL_WRITE) != 0 && (held & F_SEAL_WRITE) == 0 && WritablyMapped(node)) return -Errno.EBUSY;
            node.Seals |= seals;
            return 0;
        }

        /// <summary>Some address space maps the file MAP_SHARED with write access possible (Linux's
        /// i_mmap_writable: a read-only shared mapping of a writable descriptor counts, as mprotect could make it writable).</summary>
        private static bool WritablyMapped(Inode node)
        {
            int id = node.MappedId;
            if (id == 0) return false;
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                MemoryMap m = p.Map;
                if (m == null || m.SharedCount == 0) continue;
                for (int i = 0; i < m.Count; i++)
                    if (m.Vmas[i].Kind == Vma.Shared && m.Vmas[i].FileId == id && !m.Vmas[i].NoWrite) return true;
            }
            return false;
        }

        /// <summary>A write of n bytes at offset (write, pwrite, splice, ...): EPERM under a write seal,
        /// or past the end under F_SEAL_GROW.</summary>
        public static long CheckWrite(Inode node, long offset, long n)
        {
            int s = Of(node);
            if (s == 0 || n <= 0) return 0;
            if ((s & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0) return -Errno.EPERM;
            if ((s & F_SEAL_GROW) != 0 && offset + n > node.Size) return -Errno.EPERM;
            return 0;
        }

        /// <summary>truncate / ftruncate / O_TRUNC to <paramref name="size"/>.</summary>
        public static int CheckResize(Inode node, long size)
        {
            int s = Of(node);
            if ((s & F_SEAL_SHRINK) != 0 && size < node.Size) return -Errno.EPERM;
            if ((s & F_SEAL_GROW) != 0 && size > node.Size) return -Errno.EPERM;
            return 0;
        }

        /// <summary>fallocate: a hole is a write; allocating past the end (even with KEEP_SIZE, as on
        /// Linux) needs no F_SEAL_GROW.</summary>
        public static int CheckFallocate(Inode node, bool punch, long offset, long len)
        {
            int s = Of(node);
            if (punch && (s & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0) return -Errno.EPERM;
            if (!punch && (s & F_SEAL_GROW) != 0 && offset + len > node.Size) return -Errno.EPERM;
            return 0;
        }

        /// <summary>mmap MAP_SHARED: EPERM for write access under a write seal; otherwise true in
        /// <paramref name="readOnly"/> when the mapping may never become writable (mprotect: EACCES).</summary>
        public static int CheckMap(Inode node, bool shared, bool write, out bool readOnly)
        {
            readOnly = false;
            if (!shared || (Of(node) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) == 0) return 0;
            if (write) return -Errno.EPERM;
            readOnly = true;
            return 0;
        }

        /// <summary>chmod: F_SEAL_EXEC keeps the execute bits as they are.</summary>
        public static int CheckMode(Inode node, uint mode) =>
            (Of(node) & F_SEAL_EXEC) != 0 && ((node.Mode ^ mode) & 0x49) != 0 ? -Errno.EPERM : 0;
    }
}
