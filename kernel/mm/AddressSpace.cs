// The program's user address space: a sorted array of regions (VMAs) with protections, and
// the page-level work behind brk, mmap, munmap, mprotect, mremap and madvise. Pages are
// demand-zeroed on first touch; every user page owns its frame.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal struct Vma
    {
        public ulong Start, End;
        public int Prot;
        public int Kind;
        public int FileId;             // MappedFiles id of the backing file, 0 for anonymous memory
        public bool NoWrite;           // MAP_SHARED of a file opened without write access
        public ulong FileOffset;       // file offset of Start
        public bool Sealed;            // mseal: never unmapped, moved, resized or reprotected (fork keeps it, exec drops it)
        public int Policy;             // mbind's NUMA policy + 1 (mode with its flags); 0: none, the process policy applies
        public const int Anon = 0, Heap = 1, Stack = 2, Image = 3, Private = 4, Shared = 5, Vvar = 6, VdsoImage = 7,
            Aio = 8,                   // an io_setup completion ring (kernel/fs/Aio.cs): kernel frames, one region per ring
            IoUring = 9;               // an io_uring's rings or SQEs (kernel/fs/IoUring.cs): kernel frames, as Aio
        public bool KernelFrames => Kind == Aio || Kind == IoUring;
        public bool SameBacking(in Vma next) =>
            !KernelFrames && Prot == next.Prot && Kind == next.Kind && FileId == next.FileId && Sealed == next.Sealed && Policy == next.Policy &&
            (FileId == 0 || FileOffset + (End - Start) == next.FileOffset);
    }

    internal static unsafe class AddressSpace
    {
        public const ulong PageSize = 4096;
        public const ulong UserEnd = 0x0000800000000000;     // first non-canonical address
        public const ulong MinAddress = 0x10000;              // Linux's default mmap_min_addr: page 0 and its neighbours stay unmapped
        public const ulong TaskSize = UserEnd - PageSize;     // Linux's TASK_SIZE: the last page is never user memory
        public const ulong MmapTop = 0x00007F0000000000;     // mmap searches downward from here
        public const ulong StackTop = 0x00007FFFFFFFF000;
        public const ulong StackSize = 8UL << 20;

        // Everything here acts on the loaded map: the calling process's.
        private static MemoryMap M => MemoryMap.Current;

        public static bool HasShared => M.SharedCount != 0;
        public static ulong BrkStart { get => M.BrkStart; set => M.BrkStart = value; }
        public static ulong Brk { get => M.Brk; set => M.Brk = value; }
        public static ulong PagesMapped { get => M == null ? 0 : M.PagesMapped; set => M.PagesMapped = value; }

        public static bool Active => M != null && M.Vmas != null;

        /// <summary>Marks the region starting at <paramref name="start"/> as never writable (shared, read-only file).</summary>
        public static void SetNoWrite(ulong start)
        {
            int i = Find(start);
            if (i >= 0) M.Vmas[i].NoWrite = true;
        }
        public static int Count => M.Count;
        public static Vma* Regions => M.Vmas;

        /// <summary>Unmaps everything (exit or exec): frames go back, shared pages are written back.</summary>
        public static void Clear()
        {
            RemoveRange(MinAddress, UserEnd);
            BrkStart = Brk = 0;
        }

        /// <summary>How fork copies the page at <paramref name="va"/>: MAP_SHARED pages are shared, so is an
        /// aio ring (a shared mapping on Linux too; its frames count their owners), the rest is copy-on-write.</summary>
        public static int ForkCopy(ulong va)
        {
            int i = Find(va);
            if (i < 0) return PageTable.CopyPrivate;
            return M.Vmas[i].Kind == Vma.Shared ? PageTable.CopyShared : M.Vmas[i].KernelFrames ? PageTable.CopyCounted : PageTable.CopyPrivate;
        }

        public static ulong PageDown(ulong a) => a & ~(PageSize - 1);
        public static ulong PageUp(ulong a) => (a + PageSize - 1) & ~(PageSize - 1);

        /// <summary>Index of the region containing <paramref name="addr"/>, or -1.</summary>
        public static int Find(ulong addr)
        {
            int lo = 0, hi = M.Count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (addr < M.Vmas[mid].Start) hi = mid - 1;
                else if (addr >= M.Vmas[mid].End) lo = mid + 1;
                else return mid;
            }
            return -1;
        }

        private static bool Overlaps(ulong start, ulong end)
        {
            for (int i = 0; i < M.Count; i++)
                if (M.Vmas[i].Start < end && start < M.Vmas[i].End) return true;
            return false;
        }

        private static void InsertAt(int index, Vma v)
        {
            if (M.Count == M.Capacity)
            {
                var bigger = (Vma*)Mm.KernelHeap.Alloc((ulong)(2 * M.Capacity * sizeof(Vma)));
                if (bigger == null) Panic.Fail("out of memory for VMAs");
                Mem.Copy(bigger, M.Vmas, (ulong)(M.Count * sizeof(Vma)));
                Mm.KernelHeap.Free(M.Vmas);
                M.Vmas = bigger;
                M.Capacity *= 2;
            }
            Mem.Move(M.Vmas + index + 1, M.Vmas + index, (ulong)((M.Count - index) * sizeof(Vma)));
            M.Vmas[index] = v;
            M.Count++;
            if (v.Kind == Vma.Shared) M.SharedCount++;
        }

        private static void RemoveAt(int index)
        {
            if (M.Vmas[index].Kind == Vma.Shared) M.SharedCount--;
            Mem.Move(M.Vmas + index, M.Vmas + index + 1, (ulong)((M.Count - index - 1) * sizeof(Vma)));
            M.Count--;
        }

        /// <summary>Adds a region over free address space (caller checked). Neighbours with equal attributes merge.</summary>
        public static void Insert(ulong start, ulong end, int prot, int kind) => Insert(start, end, prot, kind, 0, 0);

        /// <summary>Adds a region; a file-backed one takes over one MappedFiles reference.</summary>
        public static void Insert(ulong start, ulong end, int prot, int kind, int fileId, ulong fileOffset)
        {
            Vma v;
            v.Start = start; v.End = end; v.Prot = prot; v.Kind = kind; v.FileId = fileId; v.FileOffset = fileOffset; v.NoWrite = false; v.Sealed = false; v.Policy = 0;
            int i = 0;
            while (i < M.Count && M.Vmas[i].Start < start) i++;
            if (fileId == 0 && i > 0 && M.Vmas[i - 1].End == start && M.Vmas[i - 1].SameBacking(v))
            {
                M.Vmas[i - 1].End = end;
                if (i < M.Count && M.Vmas[i].Start == end && M.Vmas[i - 1].SameBacking(M.Vmas[i]))
                {
                    M.Vmas[i - 1].End = M.Vmas[i].End;
                    RemoveAt(i);
                }
                return;
            }
            if (fileId == 0 && i < M.Count && M.Vmas[i].Start == end && v.SameBacking(M.Vmas[i]))
            {
                M.Vmas[i].Start = start;
                return;
            }
            InsertAt(i, v);
        }

        /// <summary>Splits regions so that <paramref name="addr"/> is a region boundary.</summary>
        private static void SplitAt(ulong addr)
        {
            int i = Find(addr);
            if (i < 0 || M.Vmas[i].Start == addr) return;
            Vma tail = M.Vmas[i];
            tail.Start = addr;
            if (tail.FileId != 0) { tail.FileOffset += addr - M.Vmas[i].Start; MappedFiles.AddRef(tail.FileId); }
            M.Vmas[i].End = addr;
            InsertAt(i + 1, tail);
        }

        /// <summary>Unmaps the pages; frames are freed unless they belong to the shared-mapping page cache.</summary>
        private static void FreePages(ulong start, ulong end, bool shared = false)
        {
            if (M != null && M.PagesMapped > M.PeakPages) M.PeakPages = M.PagesMapped;   // the high-water mark, as Linux's update_hiwater_rss
            PageTable.Visit(start, end, &UnmapOne, shared ? 1UL : 0UL);
        }

        /// <summary>The most pages <paramref name="m"/> has had mapped at once (ru_maxrss).</summary>
        public static ulong PeakOf(MemoryMap m) => m == null ? 0 : m.PagesMapped > m.PeakPages ? m.PagesMapped : m.PeakPages;

        private static void UnmapOne(ulong va, ulong* e, ulong shared)
        {
            ulong phys = PageTable.FrameOf(*e);
            *e = 0;
            Native.Invlpg(va);
            PagesMapped--;
            if (shared == 0) FrameRefs.Release(phys);
        }

        private static void ReprotectOne(ulong va, ulong* e, ulong flags) => PageTable.Reprotect(va, e, flags);

        /// <summary>Unmaps [start, end): frees its frames and removes or trims the regions.</summary>
        public static void RemoveRange(ulong start, ulong end)
        {
            SplitAt(start);
            SplitAt(end);
            for (int i = 0; i < M.Count;)
            {
                if (M.Vmas[i].Start >= start && M.Vmas[i].End <= end)
                {
                    if (M.Vmas[i].Kind == Vma.Shared) WriteBack(i);
                    FreePages(M.Vmas[i].Start, M.Vmas[i].End, M.Vmas[i].Kind == Vma.Shared);
                    MappedFiles.Release(M.Vmas[i].FileId);
                    RemoveAt(i);
                }
                else i++;
            }
        }

        /// <summary>Lowest-risk free range of <paramref name="len"/> bytes below <see cref="MmapTop"/>, or 0.</summary>
        public static ulong FindFree(ulong len)
        {
            ulong top = MmapTop;
            for (int i = M.Count - 1; i >= -1; i--)
            {
                ulong floor = i >= 0 ? M.Vmas[i].End : MinAddress;
                ulong ceiling = i + 1 < M.Count ? M.Vmas[i + 1].Start : UserEnd;
                if (ceiling > top) ceiling = top;
                if (ceiling > floor && ceiling - floor >= len) return ceiling - len;
                if (i >= 0 && M.Vmas[i].Start < top) top = M.Vmas[i].Start;
            }
            return 0;
        }

        /// <summary>True when a sealed region overlaps [start, end).</summary>
        public static bool AnySealed(ulong start, ulong end)
        {
            for (int i = 0; i < M.Count; i++)
                if (M.Vmas[i].Sealed && M.Vmas[i].Start < end && start < M.Vmas[i].End) return true;
            return false;
        }

        /// <summary>
        /// True when [start, end) holds a sealed region that discarding advice (MADV_DONTNEED and the
        /// like) would change: private anonymous memory that cannot be written, whose contents the
        /// seal protects. Writable or file-backed memory may be discarded, as on Linux.
        /// </summary>
        public static bool AnySealedReadOnlyAnon(ulong start, ulong end)
        {
            for (int i = 0; i < M.Count; i++)
            {
                ref Vma v = ref M.Vmas[i];
                if (!v.Sealed || v.End <= start || v.Start >= end) continue;
                bool anon = v.FileId == 0 && (v.Kind == Vma.Anon || v.Kind == Vma.Heap || v.Kind == Vma.Stack);
                if (anon && (v.Prot & Prot.Write) == 0) return true;
            }
            return false;
        }

        /// <summary>mseal: seals every region of [start, end) (the caller checked that it is all mapped).</summary>
        public static void Seal(ulong start, ulong end)
        {
            SplitAt(start);
            SplitAt(end);
            for (int i = 0; i < M.Count; i++)
                if (M.Vmas[i].Start >= start && M.Vmas[i].End <= end) M.Vmas[i].Sealed = true;
        }

        /// <summary>mbind: gives every region of [start, end) the policy (0: none); the caller checked that it is all mapped.</summary>
        public static void SetPolicy(ulong start, ulong end, int policy)
        {
            SplitAt(start);
            SplitAt(end);
            for (int i = 0; i < M.Count; i++)
                if (M.Vmas[i].Start >= start && M.Vmas[i].End <= end) M.Vmas[i].Policy = policy;
        }

        /// <summary>The mbind policy (+1, 0: none) of the region holding <paramref name="addr"/>, or -1 when unmapped.</summary>
        public static int PolicyAt(ulong addr)
        {
            int i = Find(addr);
            return i < 0 ? -1 : M.Vmas[i].Policy;
        }

        /// <summary>
        /// The regions overlapping [start, end) in order, for walks that look at each one: the index of
        /// the first region ending after <paramref name="start"/> (M.Count when none).
        /// </summary>
        public static int FirstAfter(ulong start)
        {
            int i = 0;
            while (i < M.Count && M.Vmas[i].End <= start) i++;
            return i;
        }

        public static int RegionCount => M.Count;
        public static ref Vma Region(int i) => ref M.Vmas[i];

        public static bool IsFree(ulong start, ulong end) =>
            start >= MinAddress && end <= TaskSize && start < end && !Overlaps(start, end);

        /// <summary>mmap of anonymous memory. Returns the address or -errno.</summary>
        /// <summary>
        /// mmap's placement: a new region at <paramref name="addr"/> (MAP_FIXED replaces what is there,
        /// MAP_FIXED_NOREPLACE refuses) or wherever there is room. A file-backed region takes over one
        /// MappedFiles reference. Returns the address or -errno.
        /// </summary>
        public static long MapRegion(ulong addr, ulong len, int prot, bool fixedAddr, bool noReplace, int kind, int fileId = 0, ulong fileOffset = 0)
        {
            if (len == 0) return -Errno.EINVAL;
            len = PageUp(len);
            if (len == 0 || len >= UserEnd) return -Errno.ENOMEM;
            if (fixedAddr)
            {
                if ((addr & (PageSize - 1)) != 0) return -Errno.EINVAL;
                if (addr < MinAddress) return -Errno.EPERM;                    // as Linux below mmap_min_addr
                if (addr + len > TaskSize || addr + len < addr) return noReplace ? -Errno.EPERM : -Errno.ENOMEM;
                if (Overlaps(addr, addr + len))
                {
                    if (noReplace) return -Errno.EEXIST;
                    if (AnySealed(addr, addr + len)) return -Errno.EPERM;
                    RemoveRange(addr, addr + len);
                }
            }
            else
            {
                addr = PageDown(addr);
                if (addr == 0 || !IsFree(addr, addr + len)) addr = FindFree(len);
                if (addr == 0) return -Errno.ENOMEM;
            }
            Insert(addr, addr + len, prot, kind, fileId, fileOffset);
            return (long)addr;
        }

        public static long Unmap(ulong addr, ulong len)
        {
            if ((addr & (PageSize - 1)) != 0 || len == 0) return -Errno.EINVAL;
            if (len > TaskSize || addr > TaskSize - len) return -Errno.EINVAL;         // as Linux: past TASK_SIZE
            ulong end = PageUp(addr + len);
            if (end < addr || end > UserEnd) return -Errno.EINVAL;
            if (AnySealed(addr, end)) return -Errno.EPERM;
            RemoveRange(addr, end);
            return 0;
        }

        public static long Protect(ulong addr, ulong len, int prot)
        {
            if ((addr & (PageSize - 1)) != 0) return -Errno.EINVAL;
            ulong end = PageUp(addr + len);
            if (end < addr) return -Errno.ENOMEM;
            if (len == 0) return 0;
            for (ulong a = addr; a < end;)            // the whole range must be mapped
            {
                int i = Find(a);
                if (i < 0) return -Errno.ENOMEM;
                if ((M.Vmas[i].NoWrite || M.Vmas[i].Kind == Vma.Vvar) && (prot & Prot.Write) != 0) return -Errno.EACCES;
                if (M.Vmas[i].Sealed) return -Errno.EPERM;         // even to the same protection, as Linux
                a = M.Vmas[i].End;
            }
            SplitAt(addr);
            SplitAt(end);
            ulong flags = PageTable.FlagsFor(prot);
            for (int i = 0; i < M.Count; i++)
            {
                if (M.Vmas[i].Start < addr || M.Vmas[i].End > end) continue;
                M.Vmas[i].Prot = prot;
                PageTable.Visit(M.Vmas[i].Start, M.Vmas[i].End, &ReprotectOne, flags);
            }
            return 0;
        }

        /// <summary>mremap: shrink in place, grow in place when the space after is free, else move.</summary>
        public static long Remap(ulong old, ulong oldLen, ulong newLen, bool mayMove, bool fixedAddr, ulong newAddr)
        {
            if ((old & (PageSize - 1)) != 0 || newLen == 0) return -Errno.EINVAL;
            oldLen = PageUp(oldLen);
            newLen = PageUp(newLen);
            int i = Find(old);
            if (i < 0 || old + oldLen > M.Vmas[i].End) return -Errno.EFAULT;
            // An old size of 0 duplicates a shared mapping (MREMAP_MAYMOVE); private memory cannot be duplicated.
            if (oldLen == 0 && M.Vmas[i].Kind != Vma.Shared) return -Errno.EINVAL;
            if (M.Vmas[i].Sealed) return -Errno.EPERM;                 // sealed: no shrinking, growing or moving
            int prot = M.Vmas[i].Prot, kind = M.Vmas[i].Kind;
            if (kind == Vma.IoUring) return -Errno.EINVAL;             // the rings stay where they were mapped
            if (kind == Vma.Aio) return RemapAioRing(i, old, oldLen, newLen, mayMove, fixedAddr, newAddr);
            if (fixedAddr)
            {
                if (!mayMove || (newAddr & (PageSize - 1)) != 0) return -Errno.EINVAL;
                if (newAddr < old + oldLen && old < newAddr + newLen) return -Errno.EINVAL;
                if (newAddr < MinAddress || newAddr + newLen > TaskSize || newAddr + newLen < newAddr) return -Errno.EINVAL;
                if (AnySealed(newAddr, newAddr + newLen)) return -Errno.EPERM;
                RemoveRange(newAddr, newAddr + newLen);
                return MoveRange(old, oldLen, newLen, newAddr, prot, kind);
            }
            if (newLen <= oldLen)
            {
                if (newLen < oldLen) RemoveRange(old + newLen, old + oldLen);
                return (long)old;
            }
            if (IsFree(old + oldLen, old + newLen))
            {
                int fileId = M.Vmas[i].FileId;
                ulong fileOffset = M.Vmas[i].FileOffset + (old + oldLen - M.Vmas[i].Start);
                if (fileId != 0) MappedFiles.AddRef(fileId);
                int policy = M.Vmas[i].Policy;
                Insert(old + oldLen, old + newLen, prot, kind, fileId, fileOffset);
                if (policy != 0) SetPolicy(old + oldLen, old + newLen, policy);   // the region grew: same mbind policy
                return (long)old;
            }
            if (!mayMove) return -Errno.ENOMEM;
            ulong dest = FindFree(newLen);
            if (dest == 0) return -Errno.ENOMEM;
            return MoveRange(old, oldLen, newLen, dest, prot, kind);
        }

        /// <summary>An aio ring moves only whole and unresized (Linux: VM_DONTEXPAND; the context id follows the ring).</summary>
        private static long RemapAioRing(int i, ulong old, ulong oldLen, ulong newLen, bool mayMove, bool fixedAddr, ulong newAddr)
        {
            if (old != M.Vmas[i].Start || oldLen != M.Vmas[i].End - old || newLen != oldLen) return newLen > oldLen ? -Errno.EFAULT : -Errno.EINVAL;
            if (!fixedAddr) return (long)old;
            if ((newAddr & (PageSize - 1)) != 0 || !mayMove) return -Errno.EINVAL;
            if (newAddr < old + oldLen && old < newAddr + newLen) return -Errno.EINVAL;
            if (newAddr < MinAddress || newAddr + newLen > TaskSize || newAddr + newLen < newAddr) return -Errno.EINVAL;
            if (!Fs.AioContext.RingMoving(M, old)) return -Errno.EINVAL;
            RemoveRange(newAddr, newAddr + newLen);
            long r = MoveRange(old, oldLen, newLen, newAddr, M.Vmas[Find(old)].Prot, Vma.Aio);
            if (r >= 0) Fs.AioContext.RingMoved(M, old, (ulong)r);
            return r;
        }

        private static long MoveRange(ulong old, ulong oldLen, ulong newLen, ulong dest, int prot, int kind)
        {
            int i0 = Find(old);
            int fileId = M.Vmas[i0].FileId;
            ulong fileOffset = M.Vmas[i0].FileOffset + (old - M.Vmas[i0].Start);
            if (fileId != 0) MappedFiles.AddRef(fileId);
            int policy = M.Vmas[i0].Policy;
            Insert(dest, dest + newLen, prot, kind, fileId, fileOffset);
            if (policy != 0) SetPolicy(dest, dest + newLen, policy);      // the mbind policy moves with the pages
            ulong n = oldLen < newLen ? oldLen : newLen;
            s_moveDelta = dest - old;                                   // only the pages that exist move
            PageTable.Visit(old, old + n, &MoveOne, 0);
            RemoveRange(old, old + oldLen);
            return (long)dest;
        }

        private static ulong s_moveDelta;                              // MoveRange's context (one CPU, no reentry)

        private static void MoveOne(ulong va, ulong* e, ulong unused)
        {
            if (!PageTable.MoveEntry(va, va + s_moveDelta)) OutOfMemory = true;    // entries keep copy-on-write
        }

        /// <summary>MADV_DONTNEED: drop the frames; the next touch sees zeroes.</summary>
        public static void Discard(ulong addr, ulong len)
        {
            ulong start = PageDown(addr), end = PageUp(addr + len);
            for (int i = 0; i < M.Count; i++)
            {
                if (M.Vmas[i].End <= start || M.Vmas[i].Start >= end) continue;
                if (M.Vmas[i].KernelFrames) continue;           // the ring's frames are the kernel's: they stay (Linux refaults the same pages)
                ulong s = M.Vmas[i].Start > start ? M.Vmas[i].Start : start, e = M.Vmas[i].End < end ? M.Vmas[i].End : end;
                if (M.Vmas[i].Kind == Vma.Shared) { WriteBack(i); FreePages(s, e, true); }
                else FreePages(s, e);
            }
        }

        /// <summary>brk: grows or shrinks the heap region after the program image. Returns the new break.</summary>
        public static ulong SetBrk(ulong want)
        {
            if (want < BrkStart || want > MmapTop) return Brk;    // brk(-1) and other nonsense: the break stays
            ulong oldTop = PageUp(Brk), newTop = PageUp(want);
            if (newTop > oldTop)
            {
                if (!IsFree(oldTop, newTop)) return Brk;
                Insert(oldTop, newTop, Prot.Read | Prot.Write, Vma.Heap);
            }
            else if (newTop < oldTop)
            {
                if (AnySealed(newTop, oldTop)) return Brk;            // a sealed heap does not shrink
                RemoveRange(newTop, oldTop);
            }
            Brk = want;
            return Brk;
        }

        /// <summary>Set by <see cref="HandleFault"/> when it refused a page of a file mapping that lies past the file's end (SIGBUS).</summary>
        public static bool BeyondEndOfFile;

        /// <summary>Maps a zeroed frame for a fault at <paramref name="addr"/> if a region allows the access.</summary>
        public static bool HandleFault(ulong addr, bool write, bool exec)
        {
            int i = Find(addr);
            if (i < 0) return false;
            int prot = M.Vmas[i].Prot;
            if (prot == Prot.None || (write && (prot & Prot.Write) == 0) || (exec && (prot & Prot.Exec) == 0)) return false;
            ulong va = PageDown(addr);
            ulong* e = PageTable.EntryOf(va);
            if (e != null && (*e & PageTable.Present) != 0)
            {
                // Present: only a write to a copy-on-write page is ours to fix; anything else is a real fault.
                if (!write || (*e & PageTable.Cow) == 0) return false;
                return BreakCow(va, e, prot);
            }
            if (M.Vmas[i].FileId == 0)
            {
                // A read of untouched anonymous memory maps the shared zero page; the first write copies it.
                if (!write && !exec && M.Vmas[i].Kind != Vma.Stack)
                {
                    PageTable.Map(va, FrameRefs.ZeroPage, PageTable.FlagsFor(prot) & ~PageTable.Writable);
                    *PageTable.EntryOf(va) |= PageTable.Cow;
                    PagesMapped++;
                    return true;
                }
                return MapZeroed(va, prot);
            }
            ulong offset = M.Vmas[i].FileOffset + (va - M.Vmas[i].Start);
            Vfs.Inode mapped = MappedFiles.Get(M.Vmas[i].FileId);
            if (mapped != null && !mapped.AnonymousMemory && offset >= PageUp((ulong)mapped.Size))
            {
                // A page wholly past the end of the file: SIGBUS, as Linux (the page holding the end is zero-filled).
                BeyondEndOfFile = true;
                return false;
            }
            if (M.Vmas[i].Kind == Vma.Shared)
            {
                ulong cached = MappedFiles.CachedPage(M.Vmas[i].FileId, offset / PageSize);
                if (cached != 0)
                {
                    PageTable.Map(va, cached, PageTable.FlagsFor(prot));
                    PagesMapped++;
                    return true;
                }
                if (!MapFilePage(va, prot, MappedFiles.Get(M.Vmas[i].FileId), offset)) return false;
                MappedFiles.AddPage(M.Vmas[i].FileId, offset / PageSize, PageTable.Lookup(va, out _));
                return true;
            }
            return MapFilePage(va, prot, MappedFiles.Get(M.Vmas[i].FileId), offset);
        }

        /// <summary>
        /// Reads or (forced, as <see cref="ForceWrite"/>) writes <paramref name="len"/> bytes of
        /// map <paramref name="m"/> at <paramref name="addr"/>, page by page, with its page table
        /// loaded for the while; <paramref name="buf"/> must be kernel memory (it stays addressable).
        /// Returns how many bytes were done before the first page that refused (ptrace, /proc/PID/mem).
        /// </summary>
        public static int AccessOther(MemoryMap m, ulong addr, byte* buf, int len, bool write)
        {
            MemoryMap mine = MemoryMap.Current;
            MemoryMap.Activate(m);
            int done = 0;
            while (done < len)
            {
                ulong a = addr + (ulong)done;
                if (a < addr || a >= UserEnd) break;
                int n = (int)(PageSize - (a & (PageSize - 1)));
                if (n > len - done) n = len - done;
                bool ok = write ? ForceWrite(a, buf + done, n) : UserMemory.CopyFrom(buf + done, a, (ulong)n) == 0;
                if (!ok) break;
                done += n;
            }
            MemoryMap.Activate(mine);
            return done;
        }

        /// <summary>
        /// ptrace's forced write (Linux's FOLL_FORCE), <paramref name="n"/> bytes within one page: a
        /// private mapping takes it even when not writable, as a debugger plants a breakpoint in
        /// read-only code; the page becomes this process's own copy and keeps its protection. False
        /// when nothing is mapped there, or for shared, PROT_NONE and vDSO mappings.
        /// </summary>
        public static bool ForceWrite(ulong addr, byte* src, int n)
        {
            int i = Find(addr);
            if (i < 0) return false;
            int prot = M.Vmas[i].Prot, kind = M.Vmas[i].Kind;
            if ((prot & Prot.Write) != 0) return UserMemory.CopyTo(addr, src, (ulong)n) == 0;
            if (prot == Prot.None || kind == Vma.Shared || kind == Vma.Vvar || kind == Vma.VdsoImage) return false;
            ulong va = PageDown(addr);
            ulong* e = PageTable.EntryOf(va);
            if ((e == null || (*e & PageTable.Present) == 0) && !HandleFault(addr, false, false)) return false;
            e = PageTable.EntryOf(va);
            if (e == null || (*e & PageTable.Present) == 0) return false;
            ulong phys = PageTable.FrameOf(*e);
            if (FrameRefs.IsShared(phys))
            {
                ulong copy = Mm.Pages.Alloc(1);
                if (copy == 0) return false;
                Mem.Copy(Mm.PhysToVirt(copy), Mm.PhysToVirt(phys), PageSize);
                *e = copy | (*e & ~(PageTable.Cow | 0x000FFFFFFFFFF000UL));
                Native.Invlpg(va);
                FrameRefs.Release(phys);
                phys = copy;
            }
            Mem.Copy((byte*)Mm.PhysToVirt(phys) + (addr & (PageSize - 1)), src, (ulong)n);
            return true;
        }

        /// <summary>A write to a copy-on-write page: the last owner takes the frame; others get a copy.</summary>
        private static bool BreakCow(ulong va, ulong* e, int prot)
        {
            ulong phys = PageTable.FrameOf(*e);
            if (!FrameRefs.IsShared(phys))
            {
                *e = (*e & ~PageTable.Cow) | PageTable.Writable;
                Native.Invlpg(va);
                return true;
            }
            ulong copy = Mm.Pages.Alloc(1);
            if (copy == 0) { OutOfMemory = true; return false; }
            Mem.Copy(Mm.PhysToVirt(copy), Mm.PhysToVirt(phys), PageSize);
            *e = copy | (*e & ~(PageTable.Cow | 0x000FFFFFFFFFF000UL)) | PageTable.Writable;
            Native.Invlpg(va);
            FrameRefs.Release(phys);
            return true;
        }

        /// <summary>Writes the dirty pages of a MAP_SHARED region back to its file (not past its end).</summary>
        public static void WriteBack(int i)
        {
            Vfs.Inode file = MappedFiles.Get(M.Vmas[i].FileId);
            if (file == null || file.Size == 0) return;              // shared anonymous memory: no file data
            // Only the pages that exist (a huge mapping of a small file must not cost its size).
            s_wbFile = file;
            s_wbStart = M.Vmas[i].Start;
            s_wbOffset = M.Vmas[i].FileOffset;
            PageTable.Visit(M.Vmas[i].Start, M.Vmas[i].End, &WriteBackOne, 0);
            s_wbFile = null;
        }

        private static Vfs.Inode s_wbFile;                            // WriteBack's context (one CPU, no reentry)
        private static ulong s_wbStart, s_wbOffset;

        private static void WriteBackOne(ulong va, ulong* e, ulong unused)
        {
            if ((*e & PageTable.Present) == 0 || (*e & PageTable.Dirty) == 0) return;
            long offset = (long)(s_wbOffset + (va - s_wbStart));
            long n = s_wbFile.Size - offset;
            if (n <= 0) return;
            if (n > (long)PageSize) n = (long)PageSize;
            Vfs.FileSystem.Write(s_wbFile, offset, new System.ReadOnlySpan<byte>(Mm.PhysToVirt(PageTable.FrameOf(*e)), (int)n));
            *e &= ~PageTable.Dirty;
            Native.Invlpg(va);
        }

        /// <summary>msync: write back every shared mapping overlapping the range.</summary>
        public static long Sync(ulong addr, ulong len)
        {
            if ((addr & (PageSize - 1)) != 0) return -Errno.EINVAL;
            ulong end = PageUp(addr + len);
            if (end < addr) return -Errno.ENOMEM;
            // Region by region (sorted): a gap anywhere in the range means ENOMEM, but the rest is synced.
            bool mapped = true;
            ulong a = addr;
            for (int i = 0; i < M.Count && a < end; i++)
            {
                if (M.Vmas[i].End <= a) continue;
                if (M.Vmas[i].Start >= end) break;
                if (M.Vmas[i].Start > a) mapped = false;
                if (M.Vmas[i].Kind == Vma.Shared) WriteBack(i);
                a = M.Vmas[i].End;
            }
            if (a < end) mapped = false;
            return mapped ? 0 : -Errno.ENOMEM;
        }

        /// <summary>Before a read() of <paramref name="node"/>: its MAP_SHARED pages hold the newest bytes.</summary>
        public static void FlushShared(Vfs.Inode node)
        {
            if (M.SharedCount == 0) return;
            for (int i = 0; i < M.Count; i++)
                if (M.Vmas[i].Kind == Vma.Shared && MappedFiles.Get(M.Vmas[i].FileId) == node) WriteBack(i);
        }

        /// <summary>After a write() to <paramref name="node"/>: copy the new bytes into its present MAP_SHARED pages.</summary>
        public static void RefreshShared(Vfs.Inode node, long offset, long length)
        {
            if (M.SharedCount == 0) return;
            for (int i = 0; i < M.Count; i++)
            {
                if (M.Vmas[i].Kind != Vma.Shared || MappedFiles.Get(M.Vmas[i].FileId) != node) continue;
                // Only the pages that cover [offset, offset + length) of the file.
                ulong fileStart = M.Vmas[i].FileOffset, size = M.Vmas[i].End - M.Vmas[i].Start;
                if ((ulong)(offset + length) <= fileStart || (ulong)offset >= fileStart + size) continue;
                ulong first = (ulong)offset > fileStart ? PageDown((ulong)offset - fileStart) : 0;
                ulong last = (ulong)(offset + length) - fileStart < size ? PageUp((ulong)(offset + length) - fileStart) : size;
                for (ulong va = M.Vmas[i].Start + first; va < M.Vmas[i].Start + last; va += PageSize)
                {
                    long pageOff = (long)(M.Vmas[i].FileOffset + (va - M.Vmas[i].Start));
                    if (pageOff + (long)PageSize <= offset || pageOff >= offset + length) continue;
                    ulong phys = PageTable.Lookup(va, out _);
                    if (phys == 0) continue;
                    byte* page = (byte*)Mm.PhysToVirt(phys);
                    long from = offset > pageOff ? offset : pageOff;
                    long to = offset + length < pageOff + (long)PageSize ? offset + length : pageOff + (long)PageSize;
                    Vfs.FileSystem.Read(node, from, new System.Span<byte>(page + (from - pageOff), (int)(to - from)));
                }
            }
        }

        /// <summary>Writes back all shared mappings (at exit).</summary>
        public static void SyncAll()
        {
            for (int i = 0; i < M.Count; i++) if (M.Vmas[i].Kind == Vma.Shared) WriteBack(i);
        }

        /// <summary>Set when the last fault failed for lack of memory (not for lack of rights).</summary>
        public static bool OutOfMemory;

        public static bool MapZeroed(ulong va, int prot)
        {
            ulong phys = Mm.Pages.Alloc(1);
            if (phys == 0) { OutOfMemory = true; return false; }
            Mem.Zero(Mm.PhysToVirt(phys), PageSize);
            PageTable.Map(va, phys, PageTable.FlagsFor(prot));
            PagesMapped++;
            return true;
        }

        /// <summary>Maps a page filled from the file (zeros past its end).</summary>
        private static bool MapFilePage(ulong va, int prot, Vfs.Inode file, ulong offset)
        {
            ulong phys = Mm.Pages.Alloc(1);
            if (phys == 0) { OutOfMemory = true; return false; }
            byte* page = (byte*)Mm.PhysToVirt(phys);
            Mem.Zero(page, PageSize);
            if (file != null && (long)offset < file.Size)
                Vfs.FileSystem.Read(file, (long)offset, new System.Span<byte>(page, (int)PageSize));
            PageTable.Map(va, phys, PageTable.FlagsFor(prot));
            PagesMapped++;
            return true;
        }

        /// <summary>How many bytes from <paramref name="addr"/> (up to len) lie in accessible user regions without a gap.</summary>
        public static ulong AccessibleLength(ulong addr, ulong len, bool write)
        {
            if (addr < MinAddress || addr >= UserEnd) return 0;
            ulong end = addr + len;
            if (end < addr || end > UserEnd) end = UserEnd;
            ulong a = addr;
            while (a < end)
            {
                int i = Find(a);
                if (i < 0 || M.Vmas[i].Prot == Prot.None || (write && (M.Vmas[i].Prot & Prot.Write) == 0)) break;
                a = M.Vmas[i].End;
            }
            return (a < end ? a : end) - addr;
        }

        /// <summary>True when every page of [addr, addr+len) belongs to some region, whatever its protection.</summary>
        public static bool IsMapped(ulong addr, ulong len)
        {
            ulong end = addr + len;
            if (end < addr || addr < MinAddress || end > UserEnd) return false;
            for (ulong a = addr; a < end;)
            {
                int i = Find(a);
                if (i < 0) return false;
                a = M.Vmas[i].End;
            }
            return true;
        }

        /// <summary>True when [addr, addr+len) lies entirely inside user regions (the basic EFAULT check).</summary>
        public static bool IsUserRange(ulong addr, ulong len, bool write)
        {
            if (len == 0) return true;
            ulong end = addr + len;
            if (end < addr || addr < MinAddress || end > UserEnd) return false;
            for (ulong a = addr; a < end;)
            {
                int i = Find(a);
                if (i < 0 || M.Vmas[i].Prot == Prot.None || (write && (M.Vmas[i].Prot & Prot.Write) == 0)) return false;
                a = M.Vmas[i].End;
            }
            return true;
        }
    }
}
