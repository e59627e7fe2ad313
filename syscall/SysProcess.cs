// Process identity and lifetime: exit, ids, uname, arch_prctl, thread bookkeeping (set_tid_address,
// robust lists, rseq), resource limits, CPU affinity, getrandom; the futex calls are kernel/core/Futex.cs.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysProcess
    {
        public static long Exit(SyscallFrame* f)
        {
            // exit ends only the calling thread; exit_group ends the process.
            int status = ((int)f->A0 & 0xFF) << 8;
            if (f->Rax == Nr.exit) ProcessExit.Thread(status);
            ProcessExit.Group(status);
            return 0;
        }

        public static long GetPid(SyscallFrame* f) => Process.Current.Pid;
        public static long GetTid(SyscallFrame* f) => Thread.Current.Tid;
        public static long GetPpid(SyscallFrame* f) => Process.Current.Ppid;

        public static long ForkSyscall(SyscallFrame* f) => Fork.NewProcess(f, (ulong)Signal.SIGCHLD, 0, 0, 0, 0);   // fork is clone(SIGCHLD)
        public static long Vfork(SyscallFrame* f) => Fork.NewProcess(f, Fork.CLONE_VM | Fork.CLONE_VFORK | (ulong)Signal.SIGCHLD, 0, 0, 0, 0);

        private const ulong CLONE_PIDFD = 0x1000, CLONE_NEWMASK = 0x7E020000, CLONE_UNTRACED = 0x800000, CLONE_DETACHED = 0x400000,
            CLONE_SYSVSEM = 0x40000, CLONE_IO = 0x80000000, CLONE_PTRACE = 0x2000;

        /// <summary>clone: threads (CLONE_THREAD) and processes (fork/vfork/posix_spawn shapes).</summary>
        public static long Clone(SyscallFrame* f)
        {
            ulong flags = f->A0, stack = f->A1, ptid = f->A2, ctid = f->A3, tls = f->A4;
            return DoClone(f, flags, stack, ptid, ctid, tls, ptid);
        }

        private static long DoClone(SyscallFrame* f, ulong flags, ulong stack, ulong ptid, ulong ctid, ulong tls, ulong pidfdAt)
        {
            if ((flags & CLONE_NEWMASK) != 0) return -Errno.EINVAL;                      // no namespaces yet
            if ((flags & Fork.CLONE_SIGHAND) != 0 && (flags & Fork.CLONE_VM) == 0) return -Errno.EINVAL;
            if ((flags & CLONE_PIDFD) != 0)
            {
                // The pidfd goes where clone puts the parent tid (clone3: its own field): not both.
                if ((flags & Fork.CLONE_THREAD) != 0 || (pidfdAt == ptid && (flags & Fork.CLONE_PARENT_SETTID) != 0)) return -Errno.EINVAL;
                if (!AddressSpace.IsUserRange(pidfdAt, 4, true)) return -Errno.EFAULT;
            }
            if ((flags & Fork.CLONE_THREAD) != 0)
            {
                if ((flags & (Fork.CLONE_VM | Fork.CLONE_SIGHAND)) != (Fork.CLONE_VM | Fork.CLONE_SIGHAND)) return -Errno.EINVAL;
                return Fork.NewThread(f, flags, stack, tls, ptid, ctid);
            }
            // CLONE_SIGHAND without CLONE_THREAD would share dispositions: not yet (each process has its own copy).
            long pid = Fork.NewProcess(f, flags & ~CLONE_PIDFD, stack, tls, ptid, ctid);
            if (pid > 0 && (flags & CLONE_PIDFD) != 0)
            {
                long fd = Fs.PidFile.Open(Process.Find((int)pid) ?? Process.FindAny((int)pid), 0);
                UserMemory.Write(pidfdAt, (int)fd);
            }
            return pid;
        }

        private struct CloneArgs { public ulong Flags, Pidfd, ChildTid, ParentTid, ExitSignal, Stack, StackSize, Tls, SetTid, SetTidSize, Cgroup; }

        /// <summary>clone3(args, size): clone with a struct; the stack is given as base and size.</summary>
        public static long Clone3(SyscallFrame* f)
        {
            ulong size = f->A1;
            if (size > 4096) return -Errno.E2BIG;
            if (size < 64) return -Errno.EINVAL;
            CloneArgs a = default;
            if (UserMemory.CopyFrom(&a, f->A0, size < (ulong)sizeof(CloneArgs) ? size : (ulong)sizeof(CloneArgs)) != 0) return -Errno.EFAULT;
            // copy_struct_from_user: a newer caller's larger struct is fine as long as what we do not know is zero.
            for (ulong off = (ulong)sizeof(CloneArgs); off < size; off++)
            {
                if (UserMemory.Read(f->A0 + off, out byte b) != 0) return -Errno.EFAULT;
                if (b != 0) return -Errno.E2BIG;
            }
            if (a.SetTid != 0 || a.SetTidSize != 0 || a.Cgroup != 0) return -Errno.EINVAL;
            if (a.ExitSignal > (ulong)Signal.NSIG) return -Errno.EINVAL;   // high bits or no such signal
            if ((a.Flags & 0xFF) != 0) return -Errno.EINVAL;                 // the exit signal has its own field
            if ((a.Flags & (Fork.CLONE_THREAD | Fork.CLONE_PARENT)) != 0 && a.ExitSignal != 0) return -Errno.EINVAL;
            if (a.Stack == 0 && a.StackSize != 0 || a.Stack != 0 && a.StackSize == 0) return -Errno.EINVAL;
            ulong stack = a.Stack == 0 ? 0 : a.Stack + a.StackSize;
            return DoClone(f, a.Flags, stack, a.ParentTid, a.ChildTid, a.Tls, a.Pidfd);
        }

        private struct Utsname { public fixed byte Sysname[65], Nodename[65], Release[65], Version[65], Machine[65], Domainname[65]; }

        private static void Put(byte* field, string s)
        {
            for (int i = 0; i < s.Length && i < 64; i++) field[i] = (byte)s[i];
        }

        private static void PutSpan(byte* field, System.ReadOnlySpan<byte> s)
        {
            for (int i = 0; i < s.Length && i < 64; i++) field[i] = s[i];
        }

        public static long Sethostname(SyscallFrame* f) => SetName(f->A0, (long)f->A1, true);
        public static long Setdomainname(SyscallFrame* f) => SetName(f->A0, (long)f->A1, false);

        private static long SetName(ulong user, long length, bool host)
        {
            if (!Credentials.Current.Capable(Cap.SYS_ADMIN)) return -Errno.EPERM;
            if (length < 0 || length > Uts.MaxName) return -Errno.EINVAL;
            byte* name = stackalloc byte[Uts.MaxName];
            if (UserMemory.CopyFrom(name, user, (ulong)length) != 0) return -Errno.EFAULT;
            if (host) Uts.SetHostname(name, (int)length);
            else Uts.SetDomainname(name, (int)length);
            return 0;
        }

        public static long Uname(SyscallFrame* f)
        {
            Utsname u = default;
            Put(u.Sysname, "Linux");
            PutSpan(u.Nodename, Uts.Hostname);
            Put(u.Release, "6.1.0-compat");
            Put(u.Version, "#1 SMP compat unikernel");
            Put(u.Machine, "x86_64");
            PutSpan(u.Domainname, Uts.Domainname);
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

        public static long SetTidAddress(SyscallFrame* f) { Thread.Current.ClearChildTid = f->A0; return Thread.Current.Tid; }

        /// <summary>get_robust_list(tid, head_ptr, len_ptr): what set_robust_list registered for the thread.</summary>
        public static long GetRobustList(SyscallFrame* f)
        {
            Thread t = (int)f->A0 == 0 ? Thread.Current : Process.FindThreadAnywhere((int)f->A0);
            if (t == null) return -Errno.ESRCH;
            if (UserMemory.Write(f->A2, t.RobustListLen == 0 ? 24UL : t.RobustListLen) != 0) return -Errno.EFAULT;
            return UserMemory.Write(f->A1, t.RobustList) != 0 ? -Errno.EFAULT : 0;
        }

        private const ulong CLONE_NAMESPACES = CLONE_NEWMASK | 0x80;    // ... and CLONE_NEWTIME

        /// <summary>
        /// unshare: a private descriptor table (CLONE_FILES) for a single-threaded process; CLONE_FS,
        /// CLONE_SYSVSEM and CLONE_SIGHAND/VM/THREAD of a single-threaded process are already
        /// private. Namespaces are refused with EINVAL, as by a kernel built without them.
        /// </summary>
        public static long Unshare(SyscallFrame* f)
        {
            ulong flags = f->A0;
            const ulong Known = Fork.CLONE_FILES | Fork.CLONE_FS | CLONE_SYSVSEM | Fork.CLONE_SIGHAND | Fork.CLONE_VM | Fork.CLONE_THREAD | CLONE_NAMESPACES;
            if ((flags & ~Known) != 0 || (flags & CLONE_NAMESPACES) != 0) return -Errno.EINVAL;
            Process p = Process.Current;
            bool shared = (flags & (Fork.CLONE_FILES | Fork.CLONE_FS | Fork.CLONE_SIGHAND | Fork.CLONE_VM | Fork.CLONE_THREAD)) != 0;
            if (shared && p.ThreadCount > 1) return -Errno.EINVAL;     // per-thread tables are not modelled
            if ((flags & Fork.CLONE_FILES) != 0 && p.Files.Refs > 1)
            {
                Fs.FileTable mine = p.Files.Copy();
                Fs.FdTable.ReleaseTable();
                p.Files = mine;
            }
            return 0;
        }

        private const int KCMP_FILE = 0, KCMP_VM = 1, KCMP_FILES = 2, KCMP_FS = 3, KCMP_SIGHAND = 4, KCMP_IO = 5, KCMP_SYSVSEM = 6;

        /// <summary>kcmp: 0 when two processes share the resource, else 1 or 2 by an ordering of kernel objects (Linux hides the addresses the same way).</summary>
        public static long Kcmp(SyscallFrame* f)
        {
            Process a = Process.Find((int)f->A0), b = Process.Find((int)f->A1);
            if (a == null || b == null) return -Errno.ESRCH;
            object x, y;
            switch ((int)f->A2)
            {
                case KCMP_FILE:
                    x = (uint)f->A3 < (uint)a.Files.Size ? a.Files.Files[(int)f->A3] : null;
                    y = (uint)f->A4 < (uint)b.Files.Size ? b.Files.Files[(int)f->A4] : null;
                    if (x == null || y == null) return -Errno.EBADF;
                    break;
                case KCMP_VM: x = a.Map; y = b.Map; break;
                case KCMP_FILES: x = a.Files; y = b.Files; break;
                case KCMP_FS: case KCMP_SIGHAND: case KCMP_IO: case KCMP_SYSVSEM: x = a; y = b; break;   // each process has its own
                default: return -Errno.EINVAL;
            }
            ulong u = (ulong)Runtime.Allocator.ToPointer(x) ^ s_kcmpCookie, v = (ulong)Runtime.Allocator.ToPointer(y) ^ s_kcmpCookie;
            return u == v ? 0 : u < v ? 1 : 2;
        }

        private static readonly ulong s_kcmpCookie = unchecked(0x5DEECE66DUL * 0x9E3779B97F4A7C15UL);

        public static long SetRobustList(SyscallFrame* f)
        {
            if (f->A1 != 24) return -Errno.EINVAL;
            Thread.Current.RobustList = f->A0;
            Thread.Current.RobustListLen = f->A1;
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
                if (area != Thread.Current.RseqArea) return -Errno.EINVAL;
                Thread.Current.RseqArea = 0;
                return 0;
            }
            // Each thread registers its own area; with one CPU, cpu_id is 0 for all of them.
            if (Thread.Current.RseqArea != 0) return area == Thread.Current.RseqArea ? -Errno.EBUSY : -Errno.EINVAL;
            if (len < 32 || (area & 31) != 0) return -Errno.EINVAL;
            ulong ids = 0;                                // cpu_id_start = 0, cpu_id = 0
            if (UserMemory.Write(area, ids) != 0) return -Errno.EFAULT;
            Thread.Current.RseqArea = area;
            return 0;
        }

        private const ulong RlimInfinity = ulong.MaxValue;
        public const int RLIMIT_FSIZE = 1, RLIMIT_STACK = 3, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14, RlimCount = 16;
        private static Rlimit* s_limits => Process.Current.Limits;

        /// <summary>The limits pid 1 starts with (children inherit their parent's).</summary>
        public static Rlimit* DefaultLimits()
        {
            var l = (Rlimit*)Mm.KernelHeap.Alloc(RlimCount * 16);
            for (int i = 0; i < RlimCount; i++) { l[i].Cur = RlimInfinity; l[i].Max = RlimInfinity; }
            l[RLIMIT_STACK].Cur = AddressSpace.StackSize;
            l[RLIMIT_NOFILE].Cur = 1024; l[RLIMIT_NOFILE].Max = 4096;
            l[4].Cur = 0;                                 // RLIMIT_CORE: no core dumps
            l[8].Cur = l[8].Max = 8UL << 20;              // RLIMIT_MEMLOCK
            l[RLIMIT_NPROC].Cur = l[RLIMIT_NPROC].Max = 4096;
            l[RLIMIT_MSGQUEUE].Cur = l[RLIMIT_MSGQUEUE].Max = 819200;   // Linux's default: bytes of POSIX message queues
            l[RLIMIT_NICE].Cur = l[RLIMIT_NICE].Max = 0;               // lowering nice and real-time priorities need CAP_SYS_NICE
            l[RLIMIT_RTPRIO].Cur = l[RLIMIT_RTPRIO].Max = 0;
            return l;
        }

        public static long Prlimit64(SyscallFrame* f)
        {
            int pid = (int)f->A0, resource = (int)f->A1;
            Rlimit n = default;
            if (f->A2 != 0 && UserMemory.Read(f->A2, out n) != 0) return -Errno.EFAULT;
            Process p = pid == 0 ? Process.Current : Process.Find(pid);
            if (p == null || p.Zombie) return -Errno.ESRCH;
            if (!MayPrlimit(p)) return -Errno.EPERM;
            if ((uint)resource >= RlimCount) return -Errno.EINVAL;
            Rlimit old = p.Limits[resource];
            if (f->A2 != 0)
            {
                long r = CheckNewLimit(resource, n, old);
                if (r < 0) return r;
                p.Limits[resource] = n;
            }
            if (f->A3 != 0 && UserMemory.Write(f->A3, old) != 0) return -Errno.EFAULT;
            return 0;
        }

        public static long Getrlimit(SyscallFrame* f)
        {
            int resource = (int)f->A0;
            if ((uint)resource >= RlimCount) return -Errno.EINVAL;
            return UserMemory.Write(f->A1, s_limits[resource]);
        }

        public static long Setrlimit(SyscallFrame* f)
        {
            int resource = (int)f->A0;
            if ((uint)resource >= RlimCount) return -Errno.EINVAL;
            if (UserMemory.Read(f->A1, out Rlimit n) != 0) return -Errno.EFAULT;
            long r = CheckNewLimit(resource, n, s_limits[resource]);
            if (r < 0) return r;
            s_limits[resource] = n;
            return 0;
        }

        private const ulong NrOpen = 1 << 20;     // fs.nr_open

        /// <summary>A new limit: soft at most hard (EINVAL); a higher hard limit needs CAP_SYS_RESOURCE, and RLIMIT_NOFILE stops at fs.nr_open (EPERM).</summary>
        private static long CheckNewLimit(int resource, Rlimit n, Rlimit old)
        {
            if (n.Cur > n.Max) return -Errno.EINVAL;
            if (resource == RLIMIT_NOFILE && n.Max > NrOpen) return -Errno.EPERM;
            if (n.Max > old.Max && !Credentials.Current.Capable(Cap.SYS_RESOURCE)) return -Errno.EPERM;
            return 0;
        }

        /// <summary>check_prlimit_permission: the caller itself, a process whose every uid and gid are the caller's real ones, or CAP_SYS_RESOURCE.</summary>
        private static bool MayPrlimit(Process p)
        {
            if (p == Process.Current) return true;
            Credentials c = Credentials.Current;
            Thread t = p.FindThread(p.Pid) ?? p.Threads;
            Credentials tc = t != null ? t.Cred : null;
            if (tc == null) return true;
            bool same = c.Uid == tc.Euid && c.Uid == tc.Suid && c.Uid == tc.Uid && c.Gid == tc.Egid && c.Gid == tc.Sgid && c.Gid == tc.Gid;
            return same || c.Capable(Cap.SYS_RESOURCE);
        }

        public static long SchedGetaffinity(SyscallFrame* f)
        {
            int pid = (int)f->A0;
            ulong size = f->A1;
            if (pid < 0) return -Errno.EINVAL;
            if (pid != 0 && Process.FindThreadAnywhere(pid) == null) return -Errno.ESRCH;   // any thread of any process
            if (size < 8 || (size & 7) != 0) return -Errno.EINVAL;
            if (UserMemory.Zero(f->A2, size) != 0) return -Errno.EFAULT;
            ulong mask = 1;                                // one CPU
            if (UserMemory.Write(f->A2, mask) != 0) return -Errno.EFAULT;
            return 8;
        }

        public static long SchedYield(SyscallFrame* f)
        {
            Scheduler.Yield();
            return 0;
        }

        private const uint GRND_NONBLOCK = 1, GRND_RANDOM = 2, GRND_INSECURE = 4;

        public static long Getrandom(SyscallFrame* f)
        {
            ulong buf = f->A0, len = f->A1;
            if ((f->A2 & ~7UL) != 0) return -Errno.EINVAL;
            if ((f->A2 & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM)) return -Errno.EINVAL;   // contradictory, as Linux
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

        public static long Futex(SyscallFrame* f) => Kernel.Futex.Syscall(f);
        public static long FutexWaitv(SyscallFrame* f) => Kernel.Futex.Waitv(f);
        public static long FutexWake(SyscallFrame* f) => Kernel.Futex.Wake2(f);
        public static long FutexWait(SyscallFrame* f) => Kernel.Futex.Wait2(f);
        public static long FutexRequeue(SyscallFrame* f) => Kernel.Futex.Requeue2(f);
    }
}

namespace Kernel.Syscalls
{
    /// <summary>prctl: the thread name and a few process attributes.</summary>
    internal static unsafe class SysMisc
    {
        private const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
            PR_SET_NAME = 15, PR_GET_NAME = 16, PR_GET_KEEPCAPS = 7, PR_SET_KEEPCAPS = 8, PR_GET_SECCOMP = 21, PR_SET_SECCOMP = 22,
            PR_CAPBSET_READ = 23, PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39,
            PR_GET_TID_ADDRESS = 40, PR_GET_TSC = 25, PR_SET_TSC = 26, PR_TSC_ENABLE = 1, PR_TSC_SIGSEGV = 2, PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37,
            PR_SET_THP_DISABLE = 41, PR_GET_THP_DISABLE = 42, PR_CAPBSET_DROP = 24, PR_GET_SECUREBITS = 27, PR_SET_SECUREBITS = 28, PR_CAP_AMBIENT = 47;
        private static byte* s_name => Process.Current.Name;     // 16 bytes, NUL-terminated
        public static byte* Name => Process.Current.Name;

        /// <summary>The name a new image gets (exec): the basename of argv[0].</summary>
        public static void SetName(byte* argv0, ulong length)
        {
            Mem.Zero(s_name, 16);
            ulong start = 0, end = 0;
            while (end < length && argv0[end] != 0) end++;
            for (ulong i = 0; i < end; i++) if (argv0[i] == '/') start = i + 1;
            for (ulong i = 0; i < 15 && start + i < end; i++) s_name[i] = argv0[start + i];
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
                    Process.Current.DeathSignal = (int)f->A1;
                    return 0;
                case PR_GET_PDEATHSIG:
                    return UserMemory.Write(f->A1, Process.Current.DeathSignal);
                case PR_GET_DUMPABLE:
                    return Process.Current.Dumpable;
                case PR_SET_DUMPABLE:
                    if (f->A1 > 1) return -Errno.EINVAL;
                    Process.Current.Dumpable = (int)f->A1;
                    return 0;
                case PR_GET_KEEPCAPS:
                case PR_SET_KEEPCAPS:
                case PR_CAPBSET_READ:
                case PR_CAPBSET_DROP:
                case PR_GET_SECUREBITS:
                case PR_SET_SECUREBITS:
                case PR_CAP_AMBIENT:
                    return SysIdentity.CapPrctl((int)f->A0, f->A1, f->A2, f->A3, f->A4);
                case PR_GET_SECCOMP:
                    return Thread.Current.SeccompMode;
                case PR_SET_SECCOMP:
                    // Mode 1 is strict (no further arguments), 2 a filter program at arg3.
                    if (f->A1 == (ulong)SysSeccomp.ModeStrict) return f->A2 != 0 ? -Errno.EINVAL : SysSeccomp.Operation(0, 0, 0);
                    if (f->A1 == (ulong)SysSeccomp.ModeFilter) return SysSeccomp.Operation(1, 0, f->A2);
                    return -Errno.EINVAL;
                case PR_SET_TIMERSLACK:
                    Thread.Current.TimerSlackNs = f->A1 == 0 ? 50_000 : f->A1;
                    return 0;
                case PR_GET_TIMERSLACK:
                    return (long)Thread.Current.TimerSlackNs;
                case PR_SET_NO_NEW_PRIVS:
                    if (f->A1 != 1 || f->A2 != 0 || f->A3 != 0 || f->A4 != 0) return -Errno.EINVAL;
                    Thread.Current.NoNewPrivs = true;
                    return 0;
                case PR_GET_NO_NEW_PRIVS:
                    if (f->A1 != 0 || f->A2 != 0 || f->A3 != 0 || f->A4 != 0) return -Errno.EINVAL;
                    return Thread.Current.NoNewPrivs ? 1 : 0;
                case PR_GET_TID_ADDRESS:
                    return UserMemory.Write(f->A1, Thread.Current.ClearChildTid);
                case PR_GET_TSC:
                    return UserMemory.Write(f->A1, Thread.Current.NoTsc ? PR_TSC_SIGSEGV : PR_TSC_ENABLE);
                case PR_SET_TSC:
                    if (f->A1 != PR_TSC_ENABLE && f->A1 != PR_TSC_SIGSEGV) return -Errno.EINVAL;
                    Thread.Current.NoTsc = f->A1 == PR_TSC_SIGSEGV;
                    Scheduler.SetTscDisabled(Thread.Current.NoTsc);
                    return 0;
                case PR_SET_CHILD_SUBREAPER:
                    Process.Current.ChildSubreaper = f->A1 != 0;
                    return 0;
                case PR_GET_CHILD_SUBREAPER:
                    return UserMemory.Write(f->A1, Process.Current.ChildSubreaper ? 1 : 0);
                case PR_SET_THP_DISABLE:
                    if (f->A2 != 0 || f->A3 != 0 || f->A4 != 0) return -Errno.EINVAL;
                    Process.Current.ThpDisable = f->A1 != 0;
                    return 0;
                case PR_GET_THP_DISABLE:
                    if (f->A1 != 0 || f->A2 != 0 || f->A3 != 0 || f->A4 != 0) return -Errno.EINVAL;
                    return Process.Current.ThpDisable ? 1 : 0;
            }
            return -Errno.EINVAL;
        }

    }
}
