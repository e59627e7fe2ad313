// Process identity and lifetime: exit, ids, uname, arch_prctl, thread bookkeeping (set_tid_address,
// robust lists, rseq), resource limits, CPU affinity, getrandom and single-threaded futex.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysProcess
    {
        public static long Exit(SyscallFrame* f)
        {
            // exit ends only the calling thread while others remain; exit_group ends the process.
            if (f->Rax == Nr.exit && Threads.ExitCurrent(f)) return 0;
            Process.Exit((int)(f->A0 & 0xFF));
            return 0;
        }

        public static long GetPid(SyscallFrame* f) => Process.Pid;
        public static long GetTid(SyscallFrame* f) => Threads.CurrentTid;
        public static long GetPpid(SyscallFrame* f) => Process.Ppid;

        public static long ForkSyscall(SyscallFrame* f) => Fork.Start(f, false, 0);
        public static long Vfork(SyscallFrame* f) => Fork.Start(f, true, 0);

        private const ulong CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000,
            CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000,
            CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;

        /// <summary>clone for new processes (fork/vfork/posix_spawn shapes). Threads (CLONE_THREAD) are not supported.</summary>
        public static long Clone(SyscallFrame* f)
        {
            ulong flags = f->A0, stack = f->A1, ptid = f->A2, ctid = f->A3, tls = f->A4;
            if ((flags & CLONE_THREAD) != 0)
            {
                if ((flags & (CLONE_VM | CLONE_SIGHAND)) != (CLONE_VM | CLONE_SIGHAND)) return -Errno.EINVAL;
                long tid = Threads.Create(f, stack, tls, (flags & CLONE_SETTLS) != 0, ctid, (flags & CLONE_CHILD_CLEARTID) != 0);
                if (tid < 0) return tid;
                if ((flags & CLONE_PARENT_SETTID) != 0) UserMemory.Write(ptid, (int)tid);
                if ((flags & CLONE_CHILD_SETTID) != 0) UserMemory.Write(ctid, (int)tid);
                return tid;
            }
            if ((flags & (CLONE_PIDFD | CLONE_FILES)) != 0) return -Errno.EINVAL;
            long r = Fork.Start(f, (flags & CLONE_VM) != 0, stack);
            if (r < 0) return r;
            if ((flags & CLONE_PARENT_SETTID) != 0) UserMemory.Write(ptid, Process.Pid);
            if ((flags & CLONE_CHILD_SETTID) != 0) UserMemory.Write(ctid, Process.Pid);
            if ((flags & CLONE_CHILD_CLEARTID) != 0) Process.ClearChildTid = ctid;
            if ((flags & CLONE_SETTLS) != 0) Arch.Native.Wrmsr(0xC0000100, tls);
            return 0;
        }
        public static long GetUid(SyscallFrame* f) => 0;

        private struct Utsname { public fixed byte Sysname[65], Nodename[65], Release[65], Version[65], Machine[65], Domainname[65]; }

        private static void Put(byte* field, string s)
        {
            for (int i = 0; i < s.Length && i < 64; i++) field[i] = (byte)s[i];
        }

        public static long Uname(SyscallFrame* f)
        {
            Utsname u = default;
            Put(u.Sysname, "Linux");
            Put(u.Nodename, "compat");
            Put(u.Release, "6.1.0-compat");
            Put(u.Version, "#1 SMP compat unikernel");
            Put(u.Machine, "x86_64");
            Put(u.Domainname, "(none)");
            return UserMemory.Write(f->A0, u);
        }

        private const int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
        private const uint MsrFsBase = 0xC0000100, MsrGsBase = 0xC0000101;

        public static long ArchPrctl(SyscallFrame* f)
        {
            ulong addr = f->A1;
            switch ((int)f->A0)
            {
                case ARCH_SET_FS:
                case ARCH_SET_GS:
                    if (addr >= AddressSpace.UserEnd) return -Errno.EPERM;
                    Native.Wrmsr((int)f->A0 == ARCH_SET_FS ? MsrFsBase : MsrGsBase, addr);
                    return 0;
                case ARCH_GET_FS:
                    return UserMemory.Write(addr, Native.Rdmsr(MsrFsBase));
                case ARCH_GET_GS:
                    return UserMemory.Write(addr, Native.Rdmsr(MsrGsBase));
            }
            return -Errno.EINVAL;
        }

        public static long SetTidAddress(SyscallFrame* f) { Threads.SetClearChildTid(f->A0); return Threads.CurrentTid; }

        public static long SetRobustList(SyscallFrame* f)
        {
            if (f->A1 != 24) return -Errno.EINVAL;
            Process.RobustList = f->A0;
            Process.RobustListLen = f->A1;
            return 0;
        }

        // rseq on one CPU with one thread: registration fills cpu_id (always 0); no preemption of a
        // critical section by another thread of the program can happen, so nothing ever aborts.
        public static long Rseq(SyscallFrame* f)
        {
            ulong area = f->A0;
            uint len = (uint)f->A1;
            int flags = (int)f->A2;
            if ((flags & 1) != 0)                       // RSEQ_FLAG_UNREGISTER
            {
                if (area != Process.RseqArea) return -Errno.EINVAL;
                Process.RseqArea = 0;
                return 0;
            }
            // Threads register their own areas; with one CPU, cpu_id is 0 for all of them.
            if (Process.RseqArea != 0 && !Threads.Multi) return area == Process.RseqArea ? -Errno.EBUSY : -Errno.EINVAL;
            if (len < 32 || (area & 31) != 0) return -Errno.EINVAL;
            ulong ids = 0;                                // cpu_id_start = 0, cpu_id = 0
            if (UserMemory.Write(area, ids) != 0) return -Errno.EFAULT;
            Process.RseqArea = area;
            return 0;
        }

        private struct Rlimit { public ulong Cur, Max; }
        private const ulong RlimInfinity = ulong.MaxValue;
        private const int RLIMIT_STACK = 3, RLIMIT_NOFILE = 7, RLIM_NLIMITS = 16;
        private static Rlimit* s_limits;

        public static void Init()
        {
            s_limits = (Rlimit*)Mm.KernelHeap.Alloc(RLIM_NLIMITS * 16);
            for (int i = 0; i < RLIM_NLIMITS; i++) { s_limits[i].Cur = RlimInfinity; s_limits[i].Max = RlimInfinity; }
            s_limits[RLIMIT_STACK].Cur = AddressSpace.StackSize;
            s_limits[RLIMIT_NOFILE].Cur = 1024; s_limits[RLIMIT_NOFILE].Max = 4096;
            s_limits[4].Cur = 0;                          // RLIMIT_CORE: no core dumps
            s_limits[8].Cur = s_limits[8].Max = 8UL << 20; // RLIMIT_MEMLOCK
            s_limits[6].Cur = s_limits[6].Max = 1;        // RLIMIT_NPROC: one process
        }

        public static long Prlimit64(SyscallFrame* f)
        {
            int pid = (int)f->A0, resource = (int)f->A1;
            if (pid != 0 && pid != Process.Pid) return -Errno.ESRCH;
            if ((uint)resource >= RLIM_NLIMITS) return -Errno.EINVAL;
            Rlimit old = s_limits[resource];
            if (f->A2 != 0)
            {
                if (UserMemory.Read(f->A2, out Rlimit n) != 0) return -Errno.EFAULT;
                if (n.Cur > n.Max) return -Errno.EINVAL;
                if (n.Max > old.Max) return -Errno.EPERM;
                s_limits[resource] = n;
            }
            if (f->A3 != 0 && UserMemory.Write(f->A3, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Getrlimit(SyscallFrame* f)
        {
            int resource = (int)f->A0;
            if ((uint)resource >= RLIM_NLIMITS) return -Errno.EINVAL;
            return UserMemory.Write(f->A1, s_limits[resource]);
        }

        public static long Setrlimit(SyscallFrame* f)
        {
            int resource = (int)f->A0;
            if ((uint)resource >= RLIM_NLIMITS) return -Errno.EINVAL;
            if (UserMemory.Read(f->A1, out Rlimit n) != 0) return -Errno.EFAULT;
            if (n.Cur > n.Max) return -Errno.EINVAL;
            if (n.Max > s_limits[resource].Max) return -Errno.EPERM;
            s_limits[resource] = n;
            return 0;
        }

        public static long SchedGetaffinity(SyscallFrame* f)
        {
            int pid = (int)f->A0;
            ulong size = f->A1;
            if (pid != 0 && pid != Process.Pid) return -Errno.ESRCH;
            if (size < 8 || (size & 7) != 0) return -Errno.EINVAL;
            if (UserMemory.Zero(f->A2, size) != 0) return -Errno.EFAULT;
            ulong mask = 1;                                // one CPU
            if (UserMemory.Write(f->A2, mask) != 0) return -Errno.EFAULT;
            return 8;
        }

        public static long SchedYield(SyscallFrame* f)
        {
            if (Threads.Multi && Threads.OthersRunnable()) Threads.Yield(f);
            return 0;
        }

        private const uint GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

        public static long Getrandom(SyscallFrame* f)
        {
            ulong buf = f->A0, len = f->A1;
            if ((f->A2 & ~7UL) != 0) return -Errno.EINVAL;
            if (len > 33554431) len = 33554431;
            byte* chunk = stackalloc byte[256];
            ulong done = 0;
            while (done < len)
            {
                ulong n = len - done < 256 ? len - done : 256;
                Random.Fill(chunk, n);
                if (UserMemory.CopyTo(buf + done, chunk, n) != 0) return done > 0 ? (long)done : -Errno.EFAULT;
                done += n;
            }
            return (long)done;
        }

        private const int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
            FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_CMD_MASK = 0x7F;

        // FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg); the comparison only decides whom to wake (nobody).
        private static long WakeOp(ulong uaddr2, uint encoded)
        {
            if ((uaddr2 & 3) != 0) return -Errno.EINVAL;
            if (UserMemory.Read(uaddr2, out int old) != 0) return -Errno.EFAULT;
            int op = (int)(encoded >> 28) & 7;
            int oparg = (int)(encoded << 8) >> 20;
            if ((encoded >> 31) != 0) oparg = 1 << (oparg & 31);         // FUTEX_OP_OPARG_SHIFT
            int value = op switch { 0 => oparg, 1 => old + oparg, 2 => old | oparg, 3 => old & ~oparg, 4 => old ^ oparg, _ => old };
            if (op > 4) return -Errno.ENOSYS;
            return UserMemory.Write(uaddr2, value) != 0 ? -Errno.EFAULT : 0;
        }

        // One thread: a wait whose value matches can only end by its timeout.
        public static long Futex(SyscallFrame* f)
        {
            int op = (int)f->A1 & FUTEX_CMD_MASK;
            ulong uaddr = f->A0;
            if ((uaddr & 3) != 0) return -Errno.EINVAL;
            switch (op)
            {
                case FUTEX_WAKE:
                case FUTEX_WAKE_BITSET:
                    if (UserMemory.Read(uaddr, out uint _) != 0) return -Errno.EFAULT;
                    return Threads.Multi ? Threads.Wake(uaddr, (int)f->A2) : 0;
                case FUTEX_REQUEUE:
                    if (UserMemory.Read(uaddr, out uint _) != 0) return -Errno.EFAULT;
                    return Threads.Multi ? Threads.Wake(uaddr, (int)f->A2) + Threads.Requeue(uaddr, f->A4, (int)f->A3) : 0;
                case FUTEX_CMP_REQUEUE:
                    if (UserMemory.Read(uaddr, out uint cur) != 0) return -Errno.EFAULT;
                    if (cur != (uint)f->A5) return -Errno.EAGAIN;
                    return Threads.Multi ? Threads.Wake(uaddr, (int)f->A2) + Threads.Requeue(uaddr, f->A4, (int)f->A3) : 0;
                case FUTEX_WAKE_OP:
                    return WakeOp(f->A4, (uint)f->A5);
                case FUTEX_WAIT:
                case FUTEX_WAIT_BITSET:
                    if (UserMemory.Read(uaddr, out uint value) != 0) return -Errno.EFAULT;
                    if (value != (uint)f->A2) return -Errno.EAGAIN;
                    if (Threads.Multi)
                    {
                        ulong until = 0;
                        if (f->A3 != 0)
                        {
                            if (UserMemory.Read(f->A3, out SysTime.Timespec t) != 0) return -Errno.EFAULT;
                            ulong tns = (ulong)t.Sec * 1_000_000_000 + (ulong)t.Nsec;
                            until = op == FUTEX_WAIT ? Drivers.Tsc.MonotonicNs() + tns : tns;
                            if (until == 0) until = 1;
                        }
                        Threads.Block(f, UThread.FutexWait, uaddr, until, -Errno.ETIMEDOUT);
                        return 0;
                    }
                    if (f->A3 == 0)
                    {
                        Log.WriteLine("compat: futex wait with no timeout in a single-threaded program would block forever");
                        Process.Kill(Signal.SIGABRT);
                        return 0;
                    }
                    if (UserMemory.Read(f->A3, out SysTime.Timespec ts) != 0) return -Errno.EFAULT;
                    ulong ns = (ulong)ts.Sec * 1_000_000_000 + (ulong)ts.Nsec;
                    ulong now = Drivers.Tsc.MonotonicNs();
                    // FUTEX_WAIT takes a relative timeout; FUTEX_WAIT_BITSET an absolute one.
                    ulong deadline = op == FUTEX_WAIT ? now + ns : ns;
                    SysTime.SleepUntil(deadline);
                    return -Errno.ETIMEDOUT;
            }
            return -Errno.ENOSYS;
        }
    }
}

namespace Kernel.Syscalls
{
    /// <summary>prctl: the thread name and a few process attributes.</summary>
    internal static unsafe class SysMisc
    {
        private const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
            PR_SET_NAME = 15, PR_GET_NAME = 16;
        private static byte* s_name;        // 16 bytes, NUL-terminated
        public static byte* Name { get => s_name; set => s_name = value; }

        /// <summary>The name a new image gets (exec): the basename of argv[0].</summary>
        public static void SetName(byte* argv0, ulong length)
        {
            Mem.Zero(s_name, 16);
            ulong start = 0, end = 0;
            while (end < length && argv0[end] != 0) end++;
            for (ulong i = 0; i < end; i++) if (argv0[i] == '/') start = i + 1;
            for (ulong i = 0; i < 15 && start + i < end; i++) s_name[i] = argv0[start + i];
        }
        private static int s_deathSignal, s_dumpable = 1;

        public static void Init(byte* argv0, ulong length)
        {
            s_name = (byte*)Memory.Mm.KernelHeap.Alloc(16);
            SetName(argv0, length);
        }

        public static long Prctl(SyscallFrame* f)
        {
            switch ((int)f->A0)
            {
                case PR_SET_NAME:
                    byte* buf = stackalloc byte[16];
                    long len = UserMemory.StringLength(f->A1, 4096);
                    if (len < 0) return len;
                    if (len > 15) len = 15;
                    if (UserMemory.CopyFrom(buf, f->A1, (ulong)len) != 0) return -Errno.EFAULT;
                    Mem.Zero(s_name, 16);
                    Mem.Copy(s_name, buf, (ulong)len);
                    return 0;
                case PR_GET_NAME:
                    return UserMemory.CopyTo(f->A1, s_name, 16);
                case PR_SET_PDEATHSIG:
                    if (f->A1 > Signal.NSIG) return -Errno.EINVAL;
                    s_deathSignal = (int)f->A1;
                    return 0;
                case PR_GET_PDEATHSIG:
                    return UserMemory.Write(f->A1, s_deathSignal);
                case PR_GET_DUMPABLE:
                    return s_dumpable;
                case PR_SET_DUMPABLE:
                    if (f->A1 > 1) return -Errno.EINVAL;
                    s_dumpable = (int)f->A1;
                    return 0;
            }
            return -Errno.EINVAL;
        }

    }
}
