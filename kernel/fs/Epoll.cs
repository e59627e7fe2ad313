// epoll over the descriptor table: an interest list of (fd, events, data), checked with File.Poll()
// on every wait. EPOLLET: input readiness is reported again only once the file counted a new input
// event (File.InputEvents: data in, an end or an error; pipes, TCP/UDP and AF_UNIX stream sockets and eventfd count their own,
// other files count every readiness change in the system, so they may report an edge Linux would
// not, never miss one), so a program that leaves data unread does not make epoll_wait return at
// once forever (Go's netpoller did). EPOLLOUT is reported on a rising edge only (after it was seen
// off, after a write ended in EAGAIN, or together with an input event, as Linux reports every ready
// bit on a wake-up). EPOLLONESHOT disables the entry until EPOLL_CTL_MOD.
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel.Fs
{
    internal sealed unsafe class EpollFile : File
    {
        public override long Seek(long offset, int whence) => 0;      // noop_llseek, as Linux: lseek succeeds and nothing moves

        public override string AnonName => "[eventpoll]";
        public int[] Fds = new int[16];
        public File[] Files = new File[16];
        public uint[] Events = new uint[16];
        public ulong[] Data = new ulong[16];
        public bool[] OutReported = new bool[16];   // EPOLLET: EPOLLOUT was reported and not seen off since
        public ulong[] InSeen = new ulong[16];      // EPOLLET: the file's InputEvents + 1 when input was last reported (0: never)
        public int Count;

        public EpollFile(int flags) { Flags = flags; }

        public override long Read(byte* dst, long n) => -Errno.EINVAL;
        public override long Write(byte* src, long n) => -Errno.EINVAL;

        public override short Poll()
        {
            for (int i = 0; i < Count; i++)
                if ((Events[i] & Epoll.Disabled) == 0 && (Epoll.Ready(this, i, false) != 0)) return PollBits.POLLIN;
            return 0;
        }

        public int Find(int fd, File file)
        {
            for (int i = 0; i < Count; i++) if (Fds[i] == fd && Files[i] == file) return i;
            return -1;
        }

        public void Add(int fd, File file, uint events, ulong data)
        {
            if (Count == Fds.Length)
            {
                int n = Count * 2;
                var fds = new int[n]; var files = new File[n]; var ev = new uint[n]; var d = new ulong[n]; var o = new bool[n]; var seen = new ulong[n];
                for (int i = 0; i < Count; i++) { fds[i] = Fds[i]; files[i] = Files[i]; ev[i] = Events[i]; d[i] = Data[i]; o[i] = OutReported[i]; seen[i] = InSeen[i]; }
                Runtime.Allocator.Free(Fds); Runtime.Allocator.Free(Files); Runtime.Allocator.Free(Events); Runtime.Allocator.Free(Data); Runtime.Allocator.Free(OutReported); Runtime.Allocator.Free(InSeen);
                Fds = fds; Files = files; Events = ev; Data = d; OutReported = o; InSeen = seen;
            }
            Fds[Count] = fd; Files[Count] = file; Events[Count] = events; Data[Count] = data; OutReported[Count] = false; InSeen[Count] = 0;
            Count++;
            file.RefCount++;                 // the interest list keeps the File alive
        }

        public void RemoveAt(int i)
        {
            File gone = Files[i];
            Count--;
            Fds[i] = Fds[Count]; Files[i] = Files[Count]; Events[i] = Events[Count]; Data[i] = Data[Count]; OutReported[i] = OutReported[Count]; InSeen[i] = InSeen[Count];
            Files[Count] = null;
            FdTable.Release(gone);
        }

        public override void OnLastClose()
        {
            while (Count > 0) RemoveAt(Count - 1);
            Runtime.Allocator.Free(Fds); Runtime.Allocator.Free(Files); Runtime.Allocator.Free(Events); Runtime.Allocator.Free(Data); Runtime.Allocator.Free(OutReported); Runtime.Allocator.Free(InSeen);
        }
    }

    internal static unsafe class Epoll
    {
        private const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
        private const uint EPOLLWAKEUP = 1u << 29;
        private const int MaxNesting = 4;                              // EPOLL_MAX_NESTS

        /// <summary>True when <paramref name="target"/> is <paramref name="from"/> or is watched, directly or not, by it.</summary>
        private static bool Reaches(EpollFile from, EpollFile target, int depth)
        {
            if (from == target) return true;
            if (depth > MaxNesting + 1) return true;                   // deeper than allowed counts as a loop
            for (int k = 0; k < from.Count; k++)
                if (from.Files[k] is EpollFile e && Reaches(e, target, depth + 1)) return true;
            return false;
        }

        /// <summary>Levels of epoll below <paramref name="e"/> (0: it watches no epoll).</summary>
        private static int Depth(EpollFile e, int guard)
        {
            if (guard > MaxNesting + 1) return MaxNesting + 1;
            int d = 0;
            for (int k = 0; k < e.Count; k++)
                if (e.Files[k] is EpollFile c) { int x = 1 + Depth(c, guard + 1); if (x > d) d = x; }
            return d;
        }
        private const uint EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31, EPOLLEXCLUSIVE = 1u << 28;
        // EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLWAKEUP, EPOLLET, EPOLLEXCLUSIVE
        private const uint ExclusiveOk = 0x1 | 0x4 | 0x8 | 0x10 | (1u << 29) | EPOLLET | EPOLLEXCLUSIVE;
        public const uint Disabled = 1u << 27;                         // kernel-only: a fired EPOLLONESHOT entry
        private const uint EPOLLOUT = 4, EPOLLIN_LIKE = 1 | 2 | 0x40 | 0x2000;   // IN, PRI, RDNORM, RDHUP

        /// <summary>The events entry <paramref name="i"/> would report now; <paramref name="consume"/> records an EPOLLET report.</summary>
        public static uint Ready(EpollFile ep, int i, bool consume)
        {
            File file = ep.Files[i];
            uint mask = ep.Events[i];
            uint ready = (uint)(ushort)file.Poll() & (mask | (uint)PollBits.POLLERR | (uint)PollBits.POLLHUP);
            if ((mask & EPOLLET) == 0) return ready;
            if ((ready & ~EPOLLOUT) != 0)
            {
                ulong seen = file.InputEvents + 1;
                if (ep.InSeen[i] == seen) ready &= EPOLLOUT;                    // no input event since it was reported
                else if (consume) ep.InSeen[i] = seen;
            }
            if ((ready & EPOLLOUT) == 0) { if (consume) ep.OutReported[i] = false; return ready; }
            bool fresh = !ep.OutReported[i] || file.WriteBlocked || (ready & ~EPOLLOUT) != 0;
            if (!fresh) ready &= ~EPOLLOUT;
            else if (consume) { ep.OutReported[i] = true; file.WriteBlocked = false; }
            return ready;
        }

        public static long Create(SyscallFrame* f) => (int)f->A0 <= 0 ? -Errno.EINVAL : Make(0);
        public static long Create1(SyscallFrame* f) =>
            ((int)f->A0 & ~OpenFlags.O_CLOEXEC) != 0 ? -Errno.EINVAL : Make((int)f->A0);

        private static long Make(int flags)
        {
            var ep = new EpollFile(OpenFlags.O_RDWR);
            int fd = FdTable.Install(ep, 0, (flags & OpenFlags.O_CLOEXEC) != 0);
            if (fd < 0) FdTable.Release(ep);
            return fd;
        }

        public static long Ctl(SyscallFrame* f)
        {
            int epfd = (int)f->A0, op = (int)f->A1, fd = (int)f->A2;
            if (!(FdTable.Get(epfd) is EpollFile ep)) return FdTable.Get(epfd) == null ? -Errno.EBADF : -Errno.EINVAL;
            File target = FdTable.Get(fd);
            if (target == null) return -Errno.EBADF;
            if (target == ep) return -Errno.EINVAL;
            if (target.Node != null && (target.Node.IsRegular || target.Node.IsDirectory)) return -Errno.EPERM;   // as Linux
            uint events = 0; ulong data = 0;
            if (op != EPOLL_CTL_DEL)
            {
                if (UserMemory.Read(f->A3, out uint ev) != 0 || UserMemory.Read(f->A3 + 4, out ulong d) != 0) return -Errno.EFAULT;
                events = ev; data = d;
                // EPOLLEXCLUSIVE: only at ADD, only with in/out/err/hup/et/wakeup, never on an epoll (EINVAL).
                if ((events & EPOLLEXCLUSIVE) != 0 &&
                    (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD && (target is EpollFile || (events & ~ExclusiveOk) != 0))))
                    return -Errno.EINVAL;
            }
            int i = ep.Find(fd, target);
            switch (op)
            {
                case EPOLL_CTL_ADD:
                    if (i >= 0) return -Errno.EEXIST;
                    // An epoll inside an epoll: no cycles and at most 4 levels, as Linux (else a poll recurses forever).
                    if (target is EpollFile inner && (Reaches(inner, ep, 0) || Depth(inner, 0) + 1 > MaxNesting)) return -Errno.ELOOP;
                    ep.Add(fd, target, events, data);
                    return 0;
                case EPOLL_CTL_MOD:
                    if (i < 0) return -Errno.ENOENT;
                    if ((ep.Events[i] & EPOLLEXCLUSIVE) != 0) return -Errno.EINVAL;   // an exclusive entry cannot be modified
                    ep.Events[i] = events; ep.Data[i] = data; ep.OutReported[i] = false; ep.InSeen[i] = 0;
                    return 0;
                case EPOLL_CTL_DEL:
                    if (i < 0) return -Errno.ENOENT;
                    ep.RemoveAt(i);
                    return 0;
            }
            return -Errno.EINVAL;
        }

        public static long Wait(SyscallFrame* f) => DoWait((int)f->A0, f->A1, (int)f->A2, (int)f->A3);
        public static long Pwait(SyscallFrame* f)
        {
            long r = Syscalls.SignalDelivery.BeginWaitMask(f->A4, f->A5);
            return r < 0 ? r : Syscalls.SignalDelivery.EndWaitMask(DoWait((int)f->A0, f->A1, (int)f->A2, (int)f->A3));
        }

        /// <summary>epoll_pwait2: epoll_pwait with a timespec timeout (null: wait for ever).</summary>
        public static long Pwait2(SyscallFrame* f)
        {
            int timeoutMs = -1;
            if (f->A3 != 0)
            {
                if (UserMemory.Read(f->A3, out Syscalls.SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                if (ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1_000_000_000) return -Errno.EINVAL;
                long ms = ts.Sec * 1000 + (ts.Nsec + 999_999) / 1_000_000;
                timeoutMs = ms > int.MaxValue ? int.MaxValue : (int)ms;
            }
            long r = Syscalls.SignalDelivery.BeginWaitMask(f->A4, f->A5);
            return r < 0 ? r : Syscalls.SignalDelivery.EndWaitMask(DoWait((int)f->A0, f->A1, (int)f->A2, timeoutMs));
        }

        private static long DoWait(int epfd, ulong events, int maxEvents, int timeoutMs)
        {
            if (!(FdTable.Get(epfd) is EpollFile ep)) return FdTable.Get(epfd) == null ? -Errno.EBADF : -Errno.EINVAL;
            if (maxEvents <= 0 || maxEvents > 65536) return -Errno.EINVAL;
            // Only the range is checked up front (access_ok); a bad page faults when an event is copied.
            ulong end = events + (ulong)maxEvents * 12;
            if (end < events || end > AddressSpace.UserEnd) return -Errno.EFAULT;
            ulong deadline = timeoutMs < 0 ? ulong.MaxValue : Drivers.Tsc.MonotonicNs() + (ulong)timeoutMs * 1_000_000;
            byte* rec = stackalloc byte[12];
            while (true)
            {
                int n = 0;
                for (int i = 0; i < ep.Count && n < maxEvents; i++)
                {
                    // A closed descriptor drops out of the interest list (its File is gone from the table).
                    if (FdTable.Peek(ep.Fds[i]) != ep.Files[i]) { ep.RemoveAt(i); i--; continue; }
                    if ((ep.Events[i] & Disabled) != 0) continue;
                    uint ready = Ready(ep, i, true);
                    if (ready == 0) continue;
                    *(uint*)rec = ready;
                    *(ulong*)(rec + 4) = ep.Data[i];
                    if (UserMemory.CopyTo(events + (ulong)n * 12, rec, 12) != 0) return n > 0 ? n : -Errno.EFAULT;
                    n++;
                    if ((ep.Events[i] & EPOLLONESHOT) != 0) ep.Events[i] |= Disabled;
                }
                if (n > 0 || timeoutMs == 0) return n;
                int w = Scheduler.Sleep(PollWait.Queue, deadline == ulong.MaxValue ? 0 : deadline);
                if (w == Scheduler.Interrupted) return -Errno.EINTR;
                if (w == Scheduler.TimedOut) timeoutMs = 0;
            }
        }
    }
}
