// Linux native AIO contexts (the syscalls are in syscall/SysAio.cs). A context is a completion ring
// the program has mapped ("struct aio_ring": a 32-byte header, then 32-byte io_event slots), so a
// library such as libaio can take completions without entering the kernel: the kernel writes an
// event at tail and advances tail; the program or io_getevents consumes from head. The ring's frames
// belong to the context (the kernel writes them through the direct map, whatever address space is
// loaded) and are mapped into the program as one region, "/[aio] (deleted)" in its maps.
// Reads, writes and syncs complete while io_submit runs (the file system is in memory); a POLL
// request waits for its file: PollWait.Changed flags Deferred, which runs CheckPolls at the next
// safe point. Contexts hang off the address space, as Linux's hang off the mm: a fork child has
// none (it shares the ring's pages, as Linux's shared mapping, but cannot use them as a context);
// exit and exec destroy them.
using Kernel.Memory;

namespace Kernel.Fs
{
    /// <summary>A submitted IOCB_CMD_POLL whose file was not ready yet.</summary>
    internal sealed class AioPoll
    {
        public AioContext Ctx;
        public AioPoll Next;          // every waiting poll of the system
        public File File;             // held until the request ends
        public EventFile ResFd;       // IOCB_FLAG_RESFD's eventfd (held), or null
        public ulong Data, Obj;       // aio_data and the iocb's address, for the io_event
        public int Events;            // the requested bits, POLLERR and POLLHUP
    }

    internal sealed unsafe class AioContext
    {
        public const uint RingMagic = 0xa10a10a1;
        public const uint MaxNr = 65536;                    // /proc/sys/fs/aio-max-nr
        private const uint HeaderSize = 32, EventSize = 32;

        public AioContext Next;          // the address space's contexts
        public ulong UserAddr;           // where the ring is mapped: the context id
        public uint Id;                  // ring->id: the context's index in its address space
        public uint Nr;                  // event slots (the kernel's copy of ring->nr)
        public uint Tail;                // the kernel's copy of ring->tail
        public uint Asked;               // nr_events as io_setup got it (counts against aio-max-nr)
        public int Pending;              // requests taken and not yet completed
        public bool Dead;                // io_destroy ran, or the address space is going
        private int _users = 1;          // the address space's list, plus each syscall using it
        private ulong* _frames;
        private int _pages;
        public readonly WaitQueue Waiters = new WaitQueue();    // io_getevents callers

        private static AioPoll s_polls;
        private static AioPoll s_releaseLater;             // ended polls whose files drop their last reference in a syscall
        public static uint SystemNr;                       // /proc/sys/fs/aio-nr

        public static bool PollsWaiting => s_polls != null;
        public static bool EndedWaiting => s_releaseLater != null;

        private uint* Header => (uint*)Mm.PhysToVirt(_frames[0]);
        public ulong RingBytes => (ulong)_pages * AddressSpace.PageSize;

        /// <summary>
        /// io_setup: a context with room for at least <paramref name="asked"/> events, its ring mapped
        /// into the loaded address space. Sizes as Linux with one CPU: max(asked, 4) doubled, plus 2,
        /// rounded up to whole pages of slots.
        /// </summary>
        public static long Create(uint asked, out AioContext created)
        {
            created = null;
            uint n = (asked < 4 ? 4 : asked) * 2;              // wraps as Linux's unsigned arithmetic does
            if (n > 0x10000000u / EventSize) return -Errno.EINVAL;
            if (n == 0 || asked > MaxNr) return -Errno.EAGAIN;
            n += 2;
            ulong bytes = HeaderSize + (ulong)n * EventSize;
            int pages = (int)(AddressSpace.PageUp(bytes) / AddressSpace.PageSize);
            if ((ulong)SystemNr + asked > MaxNr) return -Errno.EAGAIN;

            MemoryMap m = MemoryMap.Current;
            var ctx = new AioContext { Asked = asked, _pages = pages, Nr = (uint)(((ulong)pages * AddressSpace.PageSize - HeaderSize) / EventSize) };
            ctx._frames = (ulong*)Mm.KernelHeap.Alloc((ulong)pages * 8);
            if (ctx._frames == null) { ctx.FreeObject(); return -Errno.ENOMEM; }
            for (int i = 0; i < pages; i++)
            {
                ulong phys = Mm.Pages.Alloc(1);
                if (phys == 0) { ctx._pages = i; ctx.FreeObject(); return -Errno.ENOMEM; }
                Mem.Zero(Mm.PhysToVirt(phys), AddressSpace.PageSize);
                ctx._frames[i] = phys;
            }
            long addr = AddressSpace.MapRegion(0, ctx.RingBytes, Prot.Read | Prot.Write, false, false, Vma.Aio);
            if (addr < 0) { ctx.FreeObject(); return addr; }
            for (int i = 0; i < pages; i++)
            {
                // The mapping is one more owner of each frame: munmap and exit release it as any page.
                ulong va = (ulong)addr + (ulong)i * AddressSpace.PageSize;
                bool shared = FrameRefs.Share(ctx._frames[i]);
                if (!shared || !PageTable.Map(va, ctx._frames[i], PageTable.FlagsFor(Prot.Read | Prot.Write)))
                {
                    if (shared) FrameRefs.Release(ctx._frames[i]);
                    AddressSpace.RemoveRange((ulong)addr, (ulong)addr + ctx.RingBytes);
                    ctx.FreeObject();
                    return -Errno.ENOMEM;
                }
                AddressSpace.PagesMapped++;
            }
            ctx.UserAddr = (ulong)addr;
            // The lowest index no context of this address space uses (Linux's ioctx_table slot).
            uint id = 0;
            for (bool taken = true; taken; )
            {
                taken = false;
                for (AioContext c = m.Aio; c != null; c = c.Next) if (c.Id == id) { taken = true; id++; break; }
            }
            ctx.Id = id;
            uint* h = ctx.Header;
            h[0] = id; h[1] = ctx.Nr; h[2] = 0; h[3] = 0;
            h[4] = RingMagic; h[5] = 1; h[6] = 0; h[7] = HeaderSize;   // compat features: AIO_RING_COMPAT_FEATURES
            ctx.Next = m.Aio;
            m.Aio = ctx;
            SystemNr += asked;
            created = ctx;
            return 0;
        }

        /// <summary>
        /// The live context whose id is <paramref name="ctxId"/>, with a reference the caller drops
        /// (Put), or null. As Linux, the id is checked against ring->id read from the program's
        /// memory: a ring the program unmapped or protected is no context.
        /// </summary>
        public static AioContext Lookup(ulong ctxId)
        {
            if (UserMemory.Read(ctxId, out uint id) != 0) return null;
            for (AioContext c = MemoryMap.Current.Aio; c != null; c = c.Next)
                if (c.UserAddr == ctxId && c.Id == id && !c.Dead) { c._users++; return c; }
            return null;
        }

        public void Put()
        {
            if (--_users == 0) FreeObject();
        }

        private void FreeObject()
        {
            if (_frames != null)
            {
                for (int i = 0; i < _pages; i++) FrameRefs.Release(_frames[i]);
                Mm.KernelHeap.Free(_frames);
            }
            Runtime.Allocator.Free(Waiters);
            Runtime.Allocator.Free(this);
        }

        // ---- the ring --------------------------------------------------------------------------

        /// <summary>Unconsumed events (between the program's head and our tail).</summary>
        private uint Unconsumed => (Tail + Nr - Header[2] % Nr) % Nr;

        /// <summary>
        /// Reserves room for one request's event: submitted-but-incomplete requests and unconsumed
        /// events together stay below the ring's size (Linux: reqs_available, nr - 1). False: EAGAIN.
        /// </summary>
        public bool TakeSlot()
        {
            if ((ulong)Pending + Unconsumed >= Nr - 1) return false;
            Pending++;
            return true;
        }

        /// <summary>A request that failed before it was queued gives its slot back.</summary>
        public void ReturnSlot() => Pending--;

        /// <summary>A request ended: its io_event goes in at tail, the eventfd counts it, waiters wake.</summary>
        public void Complete(ulong data, ulong obj, long res, long res2, EventFile resfd)
        {
            Pending--;
            if (!Dead)
            {
                ulong off = HeaderSize + (ulong)Tail * EventSize;      // 32-byte slots never straddle a page
                ulong* ev = (ulong*)((byte*)Mm.PhysToVirt(_frames[off / AddressSpace.PageSize]) + off % AddressSpace.PageSize);
                ev[0] = data; ev[1] = obj; ev[2] = (ulong)res; ev[3] = (ulong)res2;
                Tail = Tail + 1 >= Nr ? 0 : Tail + 1;
                Header[3] = Tail;
            }
            if (resfd != null) resfd.Signal();
            if (!Waiters.IsEmpty) Waiters.WakeAll();
        }

        /// <summary>
        /// Copies up to <paramref name="max"/> events from head to <paramref name="dst"/> (user memory) and
        /// advances head past them. The count, or -EFAULT (head stays, as Linux's aio_read_events_ring).
        /// </summary>
        public long ReadEvents(ulong dst, long max)
        {
            uint head = Header[2], tail = Tail;
            if (head == tail) return 0;
            head %= Nr;
            long n = 0;
            while (n < max && head != tail)
            {
                ulong off = HeaderSize + (ulong)head * EventSize;
                byte* ev = (byte*)Mm.PhysToVirt(_frames[off / AddressSpace.PageSize]) + off % AddressSpace.PageSize;
                if (UserMemory.CopyTo(dst + (ulong)n * EventSize, ev, EventSize) != 0) return -Errno.EFAULT;
                n++;
                head = head + 1 >= Nr ? 0 : head + 1;
            }
            Header[2] = head;
            return n;
        }

        // ---- polls -----------------------------------------------------------------------------

        /// <summary>Queues a POLL request (its slot is taken); the references to file and eventfd pass to it.</summary>
        public void AddPoll(File file, EventFile resfd, ulong data, ulong obj, int events)
        {
            var p = new AioPoll { Ctx = this, File = file, ResFd = resfd, Data = data, Obj = obj, Events = events, Next = s_polls };
            s_polls = p;
        }

        /// <summary>Deferred work (interrupts masked, no file half-changed): every waiting poll whose file is ready ends.</summary>
        public static void CheckPolls()
        {
            AioPoll prev = null;
            for (AioPoll p = s_polls; p != null;)
            {
                AioPoll next = p.Next;
                int ready = (ushort)p.File.Poll() & p.Events;
                if (ready == 0) { prev = p; p = next; continue; }
                if (prev == null) s_polls = next; else prev.Next = next;
                p.Ctx.Complete(p.Data, p.Obj, WakeKey(p.File, ready), 0, p.ResFd);
                End(p, false);
                p = next;
            }
        }

        /// <summary>
        /// The res of a poll that ended by a wake-up. Linux reports the waker's key, not the masked
        /// readiness: pipes wake readers with IN|RDNORM and writers with OUT|WRNORM, sockets add
        /// PRI|RDBAND (WRBAND), an eventfd says IN or OUT alone; a wake-up without a key (a close:
        /// ERR, HUP) reports the requested bits that are ready.
        /// </summary>
        private static int WakeKey(File f, int ready)
        {
            const int POLLRDBAND = 0x80, POLLWRBAND = 0x200;
            if (f is EventFile || (ready & (PollBits.POLLIN | PollBits.POLLOUT)) == 0) return ready;
            int key = ready;
            if ((ready & PollBits.POLLIN) != 0) key |= PollBits.POLLRDNORM | (f is SocketFile ? PollBits.POLLPRI | POLLRDBAND : 0);
            if ((ready & PollBits.POLLOUT) != 0) key |= PollBits.POLLWRNORM | (f is SocketFile ? POLLWRBAND : 0);
            return key;
        }

        /// <summary>io_cancel: a waiting poll for the iocb at <paramref name="obj"/> ends with res 0 (Linux: no events). False when none waits.</summary>
        public bool CancelPoll(ulong obj)
        {
            AioPoll prev = null;
            for (AioPoll p = s_polls; p != null; prev = p, p = p.Next)
            {
                if (p.Ctx != this || p.Obj != obj) continue;
                if (prev == null) s_polls = p.Next; else prev.Next = p.Next;
                Complete(p.Data, p.Obj, 0, 0, p.ResFd);
                End(p, true);
                return true;
            }
            return false;
        }

        /// <summary>
        /// Drops an ended poll's references. Outside a syscall (deferred work must not sleep, and a
        /// last close may) a last reference waits on a list for the end of the next syscall.
        /// </summary>
        private static void End(AioPoll p, bool inSyscall)
        {
            p.Next = null;
            if (inSyscall || (p.File.RefCount > 1 && (p.ResFd == null || p.ResFd.RefCount > 1)))
            {
                FdTable.Release(p.File);
                if (p.ResFd != null) FdTable.Release(p.ResFd);
                Runtime.Allocator.Free(p);
                return;
            }
            p.Next = s_releaseLater;
            s_releaseLater = p;
        }

        /// <summary>In a syscall: releases what ended polls left for later.</summary>
        public static void ReleaseEnded()
        {
            while (s_releaseLater != null)
            {
                AioPoll p = s_releaseLater;
                s_releaseLater = p.Next;
                End(p, true);
            }
        }

        // ---- the end of a context --------------------------------------------------------------

        /// <summary>io_destroy: the context goes (its waiting polls are dropped, io_getevents callers get EINVAL) and its ring is unmapped.</summary>
        public static void Destroy(AioContext ctx)
        {
            MemoryMap m = MemoryMap.Current;
            Kill(m, ctx);
            AddressSpace.RemoveRange(ctx.UserAddr, ctx.UserAddr + ctx.RingBytes);    // as Linux: the range, whatever is there now
            ctx.Put();
        }

        /// <summary>The address space <paramref name="m"/> (loaded) is going: every context goes with it (its regions are cleared next).</summary>
        public static void ReleaseAll(MemoryMap m)
        {
            while (m.Aio != null)
            {
                AioContext ctx = m.Aio;
                Kill(m, ctx);
                ctx.Put();
            }
            ReleaseEnded();
        }

        private static void Kill(MemoryMap m, AioContext ctx)
        {
            ctx.Dead = true;
            if (m.Aio == ctx) m.Aio = ctx.Next;
            else for (AioContext c = m.Aio; c != null; c = c.Next) if (c.Next == ctx) { c.Next = ctx.Next; break; }
            ctx.Next = null;
            AioPoll prev = null;
            for (AioPoll p = s_polls; p != null;)
            {
                AioPoll next = p.Next;
                if (p.Ctx != ctx) { prev = p; p = next; continue; }
                if (prev == null) s_polls = next; else prev.Next = next;
                ctx.Pending--;
                End(p, true);
                p = next;
            }
            SystemNr -= ctx.Asked;
            if (!ctx.Waiters.IsEmpty) ctx.Waiters.WakeAll();
        }

        /// <summary>mremap of a ring: true when <paramref name="old"/> is a live context's ring (it may move).</summary>
        public static bool RingMoving(MemoryMap m, ulong old)
        {
            for (AioContext c = m.Aio; c != null; c = c.Next) if (c.UserAddr == old) return true;
            return false;
        }

        /// <summary>The ring moved: the context's id follows it (Linux's aio_ring_mremap).</summary>
        public static void RingMoved(MemoryMap m, ulong old, ulong now)
        {
            for (AioContext c = m.Aio; c != null; c = c.Next) if (c.UserAddr == old) { c.UserAddr = now; return; }
        }
    }
}
