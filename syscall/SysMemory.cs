// brk, mmap, munmap, mprotect, mremap, madvise over the address space (kernel/mm/AddressSpace.cs).
using Kernel.Fs;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysMemory
    {
        private const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, PROT_MASK = 7;
        private const int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0F,
            MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
        private const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;
        private const int MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_WIPEONFORK = 18, MADV_DONTNEED_LOCKED = 24;

        /// <summary>Advice that throws contents away (now, or in a child): refused on sealed read-only anonymous memory.</summary>
        private static bool Discards(int a) =>
            a == MADV_DONTNEED || a == MADV_FREE || a == MADV_REMOVE || a == MADV_DONTFORK || a == MADV_WIPEONFORK || a == MADV_DONTNEED_LOCKED;

        /// <summary>Advice values Linux knows (NORMAL..DONTNEED, FREE..COLLAPSE); HWPOISON and SOFT_OFFLINE need memory-failure support we do not have.</summary>
        private static bool KnownAdvice(int a) => (a >= 0 && a <= 4) || (a >= 8 && a <= 25);

        public static long Brk(SyscallFrame* f) => (long)AddressSpace.SetBrk(f->A0);

        public static long Mmap(SyscallFrame* f)
        {
            ulong addr = f->A0, len = f->A1;
            int prot = (int)f->A2, flags = (int)f->A3, fd = (int)f->A4;
            ulong offset = f->A5;
            prot &= PROT_MASK;                        // as Linux, mmap ignores protection bits it has no use for
            int type = flags & MAP_TYPE;
            if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -Errno.EINVAL;
            if ((offset & (AddressSpace.PageSize - 1)) != 0) return -Errno.EINVAL;
            if ((long)offset < 0 || offset + len < offset) return -Errno.EOVERFLOW;
            bool fixedAddr = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
            if ((flags & MAP_ANONYMOUS) != 0)
                return type == MAP_SHARED_VALIDATE ? -Errno.EINVAL           // anonymous memory has no MAP_SHARED_VALIDATE
                     : type == MAP_PRIVATE ? AddressSpace.MapRegion(addr, len, prot, fixedAddr, (flags & MAP_FIXED_NOREPLACE) != 0, Vma.Anon)
                                           : MapSharedAnonymous(addr, len, prot, flags);

            // File mapping: pages are filled from the file on first touch; MAP_SHARED writes go back on msync/munmap/exit.
            Fs.File file = Fs.FdTable.GetOpen(fd);
            if (file == null) return -Errno.EBADF;
            // file_mmap_ok: the mapping must end within the largest file offset (2^63).
            if ((long)(offset + AddressSpace.PageUp(len)) < 0) return -Errno.EOVERFLOW;
            if (file is Fs.IoRing ring) return ring.Map(addr, len, prot, fixedAddr, (flags & MAP_FIXED_NOREPLACE) != 0, offset);
            // Generated files (/proc, /sys, /proc/PID/mem) are regular to stat but, as on Linux, cannot be mapped.
            if (file.Node == null || !file.Node.IsRegular || file.Node.IsSpecial) return file.Node != null && file.Node.IsSpecial ? MapDevice(file, addr, len, prot, flags) : -Errno.ENODEV;
            if (!file.CanRead) return -Errno.EACCES;
            bool shared = type != MAP_PRIVATE;
            if (shared && (prot & PROT_WRITE) != 0 && !file.CanWrite) return -Errno.EACCES;
            int sealErr = Fs.Seals.CheckMap(file.Node, shared, (prot & PROT_WRITE) != 0, out bool sealedRo);
            if (sealErr < 0) return sealErr;
            int id = MappedFiles.Add(file.Node);
            if (id == 0) return -Errno.ENFILE;
            long r = AddressSpace.MapRegion(addr, len, prot, fixedAddr, (flags & MAP_FIXED_NOREPLACE) != 0,
                                            shared ? Vma.Shared : Vma.Private, id, offset);
            if (r < 0) { MappedFiles.Release(id); return r; }
            if (shared && (!file.CanWrite || sealedRo)) AddressSpace.SetNoWrite((ulong)r);
            return r;
        }

        // /dev/zero maps as anonymous memory; other devices cannot be mapped.
        private static long MapDevice(Fs.File file, ulong addr, ulong len, int prot, int flags)
        {
            if (!(file.Node is Fs.ZeroDevice)) return -Errno.ENODEV;
            if ((flags & MAP_TYPE) != MAP_PRIVATE) return MapSharedAnonymous(addr, len, prot, flags);
            bool fixedAddr = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
            return AddressSpace.MapRegion(addr, len, prot, fixedAddr, (flags & MAP_FIXED_NOREPLACE) != 0, Vma.Anon);
        }

        /// <summary>
        /// MAP_SHARED anonymous memory (and MAP_SHARED of /dev/zero): a shared mapping of a new unnamed,
        /// empty file, as Linux's shmem does. Its pages live in the mapping page cache, so a forked child
        /// and its parent use the same frames; with no file data behind them nothing is ever written back.
        /// </summary>
        private static long MapSharedAnonymous(ulong addr, ulong len, int prot, int flags)
        {
            Vfs.Inode node = Vfs.FileSystem.NewInode(0x8000 | 0x180);
            node.AnonymousMemory = true;
            int id = MappedFiles.Add(node);
            if (id == 0) return -Errno.ENFILE;
            bool fixedAddr = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
            long r = AddressSpace.MapRegion(addr, len, prot, fixedAddr, (flags & MAP_FIXED_NOREPLACE) != 0, Vma.Shared, id, 0);
            if (r < 0) MappedFiles.Release(id);
            return r;
        }

        public static long Msync(SyscallFrame* f)
        {
            const int MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
            int flags = (int)f->A2;
            if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0 || (flags & (MS_ASYNC | MS_SYNC)) == (MS_ASYNC | MS_SYNC)) return -Errno.EINVAL;
            return AddressSpace.Sync(f->A0, f->A1);
        }

        public static long Munmap(SyscallFrame* f) => AddressSpace.Unmap(f->A0, f->A1);

        /// <summary>
        /// mseal(addr, len, flags): seals the mappings of the range, which must be all mapped: from
        /// then on munmap, mremap, mmap MAP_FIXED, mprotect and discarding madvise of read-only
        /// anonymous memory fail with EPERM there.
        /// </summary>
        public static long Mseal(SyscallFrame* f)
        {
            ulong start = f->A0, lenIn = f->A1;
            if (f->A2 != 0) return -Errno.EINVAL;
            if ((start & (AddressSpace.PageSize - 1)) != 0) return -Errno.EINVAL;
            ulong len = AddressSpace.PageUp(lenIn);
            if (lenIn != 0 && len == 0) return -Errno.EINVAL;             // rounded up from near -1 to 0
            ulong end = start + len;
            if (end < start) return -Errno.EINVAL;
            if (len == 0) return 0;
            if (!AddressSpace.IsMapped(start, len)) return -Errno.ENOMEM;
            AddressSpace.Seal(start, end);
            return 0;
        }

        // Protection keys: as Linux on a CPU without PKU (none here is exposed): no key can be
        // allocated, and pkey_mprotect with key -1 is mprotect.
        private const ulong PKEY_ACCESS_MASK = 3;

        public static long PkeyAlloc(SyscallFrame* f) => f->A0 != 0 || (f->A1 & ~PKEY_ACCESS_MASK) != 0 ? -Errno.EINVAL : -Errno.ENOSPC;
        public static long PkeyFree(SyscallFrame* f) => -Errno.EINVAL;
        public static long PkeyMprotect(SyscallFrame* f) => (int)f->A3 != -1 ? -Errno.EINVAL : Mprotect(f);

        public static long Mprotect(SyscallFrame* f)
        {
            int prot = (int)f->A2;
            if ((prot & ~PROT_MASK) != 0) return -Errno.EINVAL;
            return AddressSpace.Protect(f->A0, f->A1, prot);
        }

        public static long Mremap(SyscallFrame* f)
        {
            int flags = (int)f->A3;
            if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) != 0) return -Errno.EINVAL;
            if (AddressSpace.PageUp(f->A2) > AddressSpace.TaskSize) return -Errno.EINVAL;   // no region that large fits
            return AddressSpace.Remap(f->A0, f->A1, f->A2, (flags & MREMAP_MAYMOVE) != 0, (flags & MREMAP_FIXED) != 0, f->A4);
        }

        public static long Madvise(SyscallFrame* f) => Advise(f->A0, f->A1, (int)f->A2);

        /// <summary>madvise of one range in the loaded address space.</summary>
        private static long Advise(ulong addr, ulong len, int advice)
        {
            if ((addr & (AddressSpace.PageSize - 1)) != 0 || !KnownAdvice(advice)) return -Errno.EINVAL;
            ulong end = addr + AddressSpace.PageUp(len);
            if (end < addr || (len != 0 && end == addr)) return -Errno.EINVAL;
            if (len == 0) return 0;
            // Any mapped range, PROT_NONE included (V8 and Go release reservations this way); a hole is ENOMEM.
            if (!AddressSpace.IsMapped(addr, end - addr)) return -Errno.ENOMEM;
            if (Discards(advice) && AddressSpace.AnySealedReadOnlyAnon(addr, end)) return -Errno.EPERM;
            int r = AdviceFits(advice, addr, end);
            if (r < 0) return r;
            if (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_DONTNEED_LOCKED) AddressSpace.Discard(addr, end - addr);
            return 0;       // other advice is a hint Linux may ignore too
        }

        private const int MADV_WILLNEED = 3, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23, MADV_COLLAPSE = 25;

        /// <summary>
        /// Advice that only some mappings take, as Linux: MADV_FREE needs private anonymous memory,
        /// MADV_REMOVE a shared mapping it may write (EACCES) of a file (EINVAL), POPULATE_WRITE
        /// writable memory, and COLLAPSE transparent huge pages (there are none).
        /// </summary>
        private static int AdviceFits(int advice, ulong addr, ulong end)
        {
            if (advice == MADV_COLLAPSE) return -Errno.EINVAL;
            for (ulong a = addr; a < end;)
            {
                int i = AddressSpace.Find(a);
                if (i < 0) return 0;                   // holes were refused before
                Vma v = MemoryMap.Current.Vmas[i];
                bool privateAnon = v.FileId == 0 && (v.Kind == Vma.Anon || v.Kind == Vma.Heap || v.Kind == Vma.Stack);
                if (advice == MADV_FREE && !privateAnon) return -Errno.EINVAL;
                if (advice == MADV_REMOVE && v.Kind != Vma.Shared) return privateAnon ? -Errno.EINVAL : -Errno.EACCES;
                if (advice == MADV_REMOVE && v.NoWrite) return -Errno.EACCES;
                if (advice == MADV_POPULATE_WRITE && (v.Prot & PROT_WRITE) == 0) return -Errno.EINVAL;
                if (advice == MADV_POPULATE_READ && (v.Prot & PROT_MASK) == 0) return -Errno.EINVAL;
                a = v.End;
            }
            return 0;
        }
        private const int UIO_MAXIOV = 1024;
        private const int PIDFD_SELF_THREAD = -10000, PIDFD_SELF_THREAD_GROUP = -10001;
        private struct IoVec { public ulong Base, Len; }

        /// <summary>The process a pidfd names, as Linux's pidfd_get_task (PIDFD_SELF_* included): EBADF, ESRCH.</summary>
        internal static long PidfdProcess(int pidfd, out Process p)
        {
            p = null;
            if (pidfd == PIDFD_SELF_THREAD || pidfd == PIDFD_SELF_THREAD_GROUP) { p = Process.Current; return 0; }
            if (!(FdTable.Get(pidfd) is Fs.PidFile pf)) return -Errno.EBADF;
            p = pf.Target;
            return p == null ? -Errno.ESRCH : 0;
        }

        /// <summary>
        /// process_madvise(pidfd, iovec, vlen, advice, flags): madvise over each range of another
        /// process (only the non-destructive hints Linux allows there: COLD, PAGEOUT, WILLNEED,
        /// COLLAPSE) or of the caller (any advice). Returns the bytes advised before the first failure.
        /// </summary>
        public static long ProcessMadvise(SyscallFrame* f)
        {
            int pidfd = (int)f->A0, advice = (int)f->A3;
            ulong vec = f->A1, vlen = f->A2;
            if ((uint)f->A4 != 0) return -Errno.EINVAL;
            if (vlen > UIO_MAXIOV) return -Errno.EINVAL;
            ulong total = 0;
            for (ulong i = 0; i < vlen; i++)           // import_iovec: the whole vector is read and checked first
            {
                if (UserMemory.Read(vec + i * 16, out IoVec v) != 0) return -Errno.EFAULT;
                if ((long)v.Len < 0) return -Errno.EINVAL;
                total += v.Len;
            }
            long r = PidfdProcess(pidfd, out Process p);
            if (r < 0) return r;
            if (p.Zombie || p.Map == null) return -Errno.ESRCH;        // mm_access: no memory any more
            MemoryMap mine = MemoryMap.Current, theirs = p.Map;
            bool remote = theirs != mine;
            if (remote && advice != MADV_COLD && advice != MADV_PAGEOUT && advice != MADV_WILLNEED && advice != MADV_COLLAPSE)
                return -Errno.EINVAL;
            long done = 0;
            r = 0;
            for (ulong i = 0; i < vlen; i++)
            {
                if (UserMemory.Read(vec + i * 16, out IoVec v) != 0) { r = -Errno.EFAULT; break; }
                if (v.Len == 0) continue;              // the iov_iter never stops on an empty range
                if (remote) MemoryMap.Activate(theirs);
                r = Advise(v.Base, v.Len, advice);
                if (remote) MemoryMap.Activate(mine);
                if (r < 0) break;
                done += (long)v.Len;
            }
            return done != 0 ? done : r;
        }

        /// <summary>
        /// process_mrelease(pidfd, flags): frees the memory of a process that is already dying. Here the
        /// dying process gives its memory back itself as soon as it runs, so there is nothing to hurry.
        /// </summary>
        public static long ProcessMrelease(SyscallFrame* f)
        {
            if ((uint)f->A1 != 0) return -Errno.EINVAL;
            long r = PidfdProcess((int)f->A0, out Process p);
            if (r < 0) return r;
            if (p.Zombie || p.Map == null) return -Errno.ESRCH;
            bool dying = p.Exiting || (p.Pending & (1UL << (Signal.SIGKILL - 1))) != 0;
            return dying ? 0 : -Errno.EINVAL;
        }
    }
}
