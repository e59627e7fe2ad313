// A process: pid, family (parent, children, process group, session), address space, descriptor
// table, signal dispositions, cwd and the image's identity. Threads of one process share it.
// Handlers reach the caller's through Process.Current (Thread.Current.Process). The kernel's own
// process is init (pid 1): it owns the idle thread, is the parent of the program ops runs (pid 2)
// and reaps orphans. The program is started by a kernel thread that loads it as execve would
// (ProgramMain), then enters ring 3.
using Compat.Loader;
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Loader;
using Kernel.Memory;
using Kernel.Syscalls;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kernel
{
    internal struct SigAction { public ulong Handler, Flags, Restorer, Mask; }

    internal struct Rlimit { public ulong Cur, Max; }

    internal sealed unsafe class Process
    {
        public static Process Current => Thread.Current.Process;

        /// <summary>Folds the current image's peak into <see cref="MaxRssKb"/> (before exec or exit drops the map).</summary>
        public void NoteMaxRss()
        {
            ulong kb = Memory.AddressSpace.PeakOf(Map) * 4;
            if (kb > MaxRssKb) MaxRssKb = kb;
        }

        /// <summary>ru_maxrss for RUSAGE_SELF: the largest of the earlier images' and the live one's peak.</summary>
        public ulong MaxRssNowKb()
        {
            ulong kb = Memory.AddressSpace.PeakOf(Map) * 4;
            return kb > MaxRssKb ? kb : MaxRssKb;
        }

        /// <summary>A waited-for child's peak (its own and its children's) joins RUSAGE_CHILDREN's, as Linux's cmaxrss.</summary>
        public void NoteChildMaxRss(Process c)
        {
            ulong kb = c.MaxRssKb > c.ChildMaxRssKb ? c.MaxRssKb : c.ChildMaxRssKb;
            if (kb > ChildMaxRssKb) ChildMaxRssKb = kb;
        }

        public int Pid, Pgid, Sid;
        public Process Parent, FirstChild, NextSibling;
        public Process AllNext;                 // every process not yet reaped
        public MemoryMap Map;
        public FileTable Files;
        public SigAction* Actions;              // [Signal.NSIG + 1]
        public Rlimit* Limits;                  // [SysProcess.RlimCount]
        public Vfs.Inode Cwd;                   // holds an open reference (OpenRef), as a descriptor would
        public Vfs.Inode Root;                  // chroot's directory (null: the tree's root)
        public ulong Umask = 0x12;
        public bool ChildSubreaper;             // PR_SET_CHILD_SUBREAPER: orphans below come here instead of to init
        public bool ThpDisable;                 // PR_SET_THP_DISABLE (no huge pages here anyway; kept, inherited, kept across exec)
        public int OomScoreAdj, OomScoreAdjMin;  // /proc/PID/oom_score_adj: kept and inherited (no OOM killer reads it)
        public ulong MaxRssKb, ChildMaxRssKb;  // ru_maxrss of its earlier images and, for RUSAGE_CHILDREN, of the children it waited for
        public byte* ExePath; public ulong ExePathLen;
        public byte* Argv, Envp; public ulong ArgvLength, EnvpLength;
        public ExecStrings Strings;             // owner of ExePath/Argv/Envp after an exec (null: the boot image's)
        public byte* Name;                      // 16 bytes, NUL-terminated (comm)
        public ulong LoadBias;
        public ulong Pending;                   // process-directed signals
        public Thread Threads;
        public int ThreadCount;
        public bool Exiting;                    // exit_group or a fatal signal: every thread ends
        public int ExitWaitStatus;              // wait status once Exiting
        public bool Zombie;
        public readonly WaitQueue ChildWait = new WaitQueue();   // wait4 in this process
        public Process VforkParent;             // set while a vfork parent waits for this child
        public readonly WaitQueue VforkDone = new WaitQueue();
        public ulong AlarmAt, AlarmInterval;    // ITIMER_REAL (monotonic ns; 0 disarmed)
        public Process AlarmNext;
        public ulong UserNs, SysNs;
        public int DeathSignal;
        public Syscalls.SigInfo* SigInfo;       // what each pending process-directed signal carries (allocated on first use)
        public Syscalls.QueuedSignal RtQueue;   // real-time signals pending more than once
        public int QueuedSignals;               // instances in RtQueue of the process and its threads (RLIMIT_SIGPENDING)
        public bool Stopped;                    // SIGSTOP & co.: every thread waits in StopWait
        public int StopSignal;
        public bool ReportStop, ReportContinue; // for the parent's wait4(WUNTRACED / WCONTINUED)
        public readonly WaitQueue StopWait = new WaitQueue();
        public Syscalls.PosixTimer[] PosixTimers;   // timer_create ids (null until the first)
        public CpuTimer CpuTimers;              // timers on this process's or its threads' CPU clocks (any owner)
        public CpuTimer ItimerVirtual, ItimerProf;
        public Process LockWaitFor;
        public int Nice;
        public int IoPriority;
        public int MemPolicy;                   // set_mempolicy's mode (with its flags) and nodes (node 0 is the only one)
        public ulong MemPolicyNodes;                  // ioprio_set's value (class << 13 | data; 0: none set)
        public ulong MinorFaults, ChildMinorFaults;  // getrusage ru_minflt (children: the reaped ones)
        public ulong StartNs = Drivers.Tsc.MonotonicNs();   // creation, monotonic (/proc/PID/stat starttime)
        public ulong DeadUserTicks, DeadSystemTicks;  // CPU time of threads that have ended (TSC ticks)
        public ulong ChildUserTicks, ChildSystemTicks;   // and of reaped children, theirs included
        public Syscalls.SemUndo SemUndos;       // SEM_UNDO adjustments applied at exit                        // setpriority (recorded; the scheduler has no priorities)
        public Syscalls.Key SessionKeyring, ProcessKeyring;   // keyctl anchors (syscall/SysKeys.cs)
        public bool HasCtty;                    // the console is this process's controlling terminal (syscall/SysIo.cs)
        public Fs.Pty CttyPty;                  // or this pseudo-terminal (kernel/fs/Pty.cs); never both
        public Ptrace.ExitRecord TraceeExits;   // deaths of threads this process traced, for its wait4
        public Process LeaderTracer;            // the traced leader ended first: its tracer hears of it with the last thread
        public bool ForkNoExec;                 // forked and not exec'd since (acct's AFORK)
        public int Dumpable = 1;                // PR_GET_DUMPABLE; 0 after a change of identity (Credentials.Commit): only CAP_SYS_PTRACE may trace it
        public uint Personality;                // personality() persona (PER_LINUX behaviour whatever it says)             // F_SETLKW: the process whose lock this one waits for (deadlock detection)

        public int Ppid => Parent == null ? 0 : Parent.Pid;

        private static Process s_all;
        private static int s_nextPid = 1;
        public static int ProcessCount;
        public static Process Kernel, Main;
        public static bool MainExited;
        public static int MainStatus;

        public static int AllocPid() => s_nextPid++;

        /// <summary>Processes and threads made since boot (/proc/stat's processes, Linux's total_forks).</summary>
        public static ulong Forks => (ulong)(s_nextPid - 2);
        public static ulong AllMinorFaults;     // /proc/vmstat's pgfault

        public static Process Find(int pid)
        {
            for (Process p = s_all; p != null; p = p.AllNext) if (p.Pid == pid && !p.Zombie) return p;
            return null;
        }

        public static Process FindAny(int pid)
        {
            for (Process p = s_all; p != null; p = p.AllNext) if (p.Pid == pid) return p;
            return null;
        }

        public static Process First => s_all;

        public void Link()
        {
            AllNext = s_all;
            s_all = this;
            ProcessCount++;
        }

        public void Unlink()
        {
            if (s_all == this) s_all = AllNext;
            else for (Process p = s_all; p != null; p = p.AllNext) if (p.AllNext == this) { p.AllNext = AllNext; break; }
            ProcessCount--;
        }

        public void AddChild(Process c)
        {
            c.Parent = this;
            c.NextSibling = FirstChild;
            FirstChild = c;
        }

        public void RemoveChild(Process c)
        {
            if (FirstChild == c) FirstChild = c.NextSibling;
            else for (Process p = FirstChild; p != null; p = p.NextSibling) if (p.NextSibling == c) { p.NextSibling = c.NextSibling; break; }
            c.NextSibling = null;
        }

        public void AddThread(Thread t)
        {
            t.Process = this;
            t.ProcessNext = Threads;
            Threads = t;
            ThreadCount++;
        }

        public void RemoveThread(Thread t)
        {
            if (Threads == t) Threads = t.ProcessNext;
            else for (Thread p = Threads; p != null; p = p.ProcessNext) if (p.ProcessNext == t) { p.ProcessNext = t.ProcessNext; break; }
            t.ProcessNext = null;
            ThreadCount--;
            DeadUserTicks += t.UserTicks;
            DeadSystemTicks += t.SystemTicks;
        }

        /// <summary>chdir/fchdir: the reference moves with the cwd (umount's EBUSY and the freeing of removed directories count it).</summary>
        public void SetCwd(Vfs.Inode dir)
        {
            if (dir == Cwd) return;
            dir.OpenRef();
            Vfs.Inode old = Cwd;
            Cwd = dir;
            old?.CloseRef();
        }

        public Thread FindThread(int tid)
        {
            for (Thread t = Threads; t != null; t = t.ProcessNext) if (t.Tid == tid) return t;
            return null;
        }

        public static Thread FindThreadAnywhere(int tid)
        {
            for (Process p = s_all; p != null; p = p.AllNext)
            {
                if (p.Zombie) continue;
                Thread t = p.FindThread(tid);
                if (t != null) return t;
            }
            return null;
        }

        // ---- boot: the first program ----------------------------------------------------------

        private static byte* s_initrd;
        private static ulong s_initrdLength;

        private static void* VfsAlloc(ulong n) => Mm.KernelHeap.Alloc(n);
        private static void VfsFree(void* p) => Mm.KernelHeap.Free(p);
        private static void VfsFreeObject(object o) => Runtime.Allocator.Free(o);
        private static long VfsNow() => (long)SysTime.RealtimeNs();

        /// <summary>The calling process's chroot directory for path resolution (null: the real root).</summary>
        private static Vfs.Inode CurrentRoot() => Thread.Current == null ? null : Thread.Current.Process.Root;

        /// <summary>Builds the root file tree from the image, then /dev, /proc, /sys, /tmp.</summary>
        private static void InitFiles(byte* initrd, ulong initrdLength)
        {
            Vfs.VfsMemory.Alloc = &VfsAlloc;
            Vfs.VfsMemory.Free = &VfsFree;
            Vfs.VfsMemory.FreeObject = &VfsFreeObject;
            Vfs.VfsMemory.Dead = &Fs.DeadInodes.Bury;
            Vfs.VfsMemory.Unused = &Fs.FsNotify.Unused;
            Vfs.FileSystem.Now = &VfsNow;
            Vfs.FileSystem.CurrentRoot = &CurrentRoot;
            Vfs.FileSystem.MayLookup = &Perm.Lookup;
            Vfs.FileSystem.Init();
            int r = Vfs.FileSystem.LoadCpio(initrd, initrdLength);
            if (r < 0) { Log.Write("compat: the root image is not a valid cpio archive: "); Log.WriteLine(Errno.Name(-r)); }
            Fs.Devices.Init();
            Fs.MissingFiles.Enabled = CommandLine.Has("missing_files");
        }

        /// <summary>Finds the file at <paramref name="path"/> in the VFS: its bytes stay valid while the inode lives.</summary>
        public static long FindExecutable(byte* path, ulong len, out Vfs.Inode node)
        {
            int r = Vfs.FileSystem.Resolve(Vfs.FileSystem.Root, new System.ReadOnlySpan<byte>(path, (int)len), true, out node);
            if (r < 0) return r;
            if (node.IsDirectory) return -Errno.EACCES;
            if (!node.IsRegular) return -Errno.EACCES;
            return 0;
        }

        /// <summary>Creates the kernel process (init, pid 1) and idle thread, starts /.compat/exe as pid 2, and idles until it exits. Returns its status.</summary>
        public static int Run(byte* initrd, ulong initrdLength)
        {
            // The kernel's process plays init: pid 1, parent of the program, reaper of orphans.
            Kernel = new Process { Pid = AllocPid(), Pgid = 1, Sid = 1 };
            Kernel.Actions = (SigAction*)Mm.KernelHeap.Alloc((ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            Kernel.Limits = SysProcess.DefaultLimits();
            Kernel.Files = new FileTable();
            Kernel.Name = (byte*)Mm.KernelHeap.Alloc(16);
            Mem.Zero(Kernel.Name, 16);
            Kernel.Name[0] = (byte)'i'; Kernel.Name[1] = (byte)'n'; Kernel.Name[2] = (byte)'i'; Kernel.Name[3] = (byte)'t';
            Kernel.Link();
            Scheduler.Init(Kernel);
            SyscallDispatcher.Prepare();

            if (!CpioReader.Find(initrd, initrdLength, "/.compat/exe", out _))
            {
                Log.WriteLine("compat: no program in the root image (/.compat/exe missing); nothing to run");
                return 0;
            }
            s_initrd = initrd;
            s_initrdLength = initrdLength;
            Console.InitStdin(initrd, initrdLength);
            InitFiles(initrd, initrdLength);
            Kernel.Cwd = Vfs.FileSystem.Root;
            Kernel.Cwd.OpenRef();

            Process p = new Process { Pid = AllocPid() };
            p.Pgid = p.Sid = p.Pid;
            SysIo.AttachFirst(p);
            p.Actions = (SigAction*)Mm.KernelHeap.Alloc((ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            Mem.Zero(p.Actions, (ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            p.Limits = SysProcess.DefaultLimits();
            p.Files = new FileTable();
            p.Name = (byte*)Mm.KernelHeap.Alloc(16);
            Mem.Zero(p.Name, 16);
            p.Cwd = Vfs.FileSystem.Root;
            p.Cwd.OpenRef();
            p.Map = MemoryMap.Create();
            Kernel.AddChild(p);
            p.Link();
            Fs.ProcFs.AddProcess(Kernel);
            Fs.ProcFs.AddProcess(p);
            Main = p;
            Thread t = Thread.Create(p, p.Pid);
            if (p.Map == null || t == null) { Log.WriteLine("compat: out of memory starting the program"); return 127; }
            p.AddThread(t);
            t.PrepareKernelEntry((delegate* unmanaged<ulong, void>)&ProgramMain, 0);
            Scheduler.Enqueue(t);
            if (CommandLine.Has("memstats")) LogMemory("start");
            Scheduler.Idle(&HasMainExited);
            return MainStatus;
        }

        private static bool HasMainExited() => MainExited;

        /// <summary>The debug line tests use to check that the kernel gives memory back: heap bytes in use and free frames.</summary>
        private static ulong s_memstatsEveryNs, s_memstatsNext;

        /// <summary>Kernel arg memstats=SECONDS: LogMemory("tick") that often (soak tests watch the heap stay flat); from the scheduler tick.</summary>
        public static void MemstatsTick(ulong nowNs)
        {
            if (s_memstatsEveryNs == 0)
            {
                ulong seconds = CommandLine.GetNumber("memstats");
                s_memstatsEveryNs = seconds == 0 ? ulong.MaxValue : seconds * 1_000_000_000;
                s_memstatsNext = nowNs + s_memstatsEveryNs;
            }
            if (s_memstatsEveryNs == ulong.MaxValue || nowNs < s_memstatsNext) return;
            s_memstatsNext = nowNs + s_memstatsEveryNs;
            LogMemory("tick");
        }

        public static void LogMemory(string when)
        {
            Log.Write("compat: memstats ");
            Log.Write(when);
            Log.Write(" heap ");
            Log.Dec(Mm.KernelHeap.BytesInUse);
            Log.Write(" free-frames ");
            Log.Dec(Mm.Pages.FreeFrames);
            Log.Write(" processes ");
            Log.Dec((ulong)ProcessCount);
            Log.Write(" blocks");
            for (int c = 0; c < 12; c++) { Log.Write(" "); Log.Dec(Mm.KernelHeap.LiveByClass[c]); }
            Log.Write("\n");
        }

        [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("enter_user")] private static extern void EnterUser(ulong rip, ulong rsp);

        /// <summary>The main thread's first code: loads the program into its own address space (as execve would) and enters it.</summary>
        [UnmanagedCallersOnly(EntryPoint = "program_main")]
        private static void ProgramMain(ulong unused)
        {
            Process p = Current;
            byte* initrd = s_initrd;
            CpioReader.Find(initrd, s_initrdLength, "/.compat/exe", out CpioEntry exeEntry);
            CpioReader.Find(initrd, s_initrdLength, "/.compat/argv", out CpioEntry argvEntry);
            CpioReader.Find(initrd, s_initrdLength, "/.compat/envp", out CpioEntry envpEntry);

            // The executable's path, NUL-terminated, for lookup and AT_EXECFN.
            ulong len = exeEntry.Size;
            while (len > 0 && (exeEntry.Data[len - 1] == '\n' || exeEntry.Data[len - 1] == 0)) len--;
            p.ExePathLen = len;
            p.ExePath = (byte*)Mm.KernelHeap.Alloc(len + 1);
            Mem.Copy(p.ExePath, exeEntry.Data, len);
            p.ExePath[len] = 0;
            p.Argv = argvEntry.Data; p.ArgvLength = argvEntry.Size;
            p.Envp = envpEntry.Data; p.EnvpLength = envpEntry.Size;
            SysFile.Init();
            SysMisc.SetName(argvEntry.Data, argvEntry.Size);

            long found = FindExecutable(p.ExePath, p.ExePathLen, out Vfs.Inode program);
            if (found < 0)
            {
                Log.Write("compat: program ");
                Log.WriteBytes(p.ExePath, p.ExePathLen);
                Log.Write(" not found in the root image (");
                Log.Write(Errno.Name((int)-found));
                Log.WriteLine(")");
                ProcessExit.Group(127 << 8);
            }
            p.Map.SetProgram(program);
            byte* file = Vfs.FileSystem.Contiguous(program, out byte* copy);   // the initrd's bytes: no copy
            long r = ElfLoader.Load(program, file, file == null ? 0 : (ulong)program.Size, out LoadedImage image, out ElfError elfError, out byte* interpPath);
            if (r < 0)
            {
                Log.Write("compat: cannot load ");
                Log.WriteBytes(p.ExePath, p.ExePathLen);
                Log.Write(": ");
                Log.WriteLine(elfError != ElfError.None ? ElfFile.Describe(elfError) : Errno.Name((int)-r));
                if (interpPath != null) { Log.Write("compat: (interpreter "); Log.WriteBytes(interpPath, Strlen(interpPath)); Log.WriteLine(")"); }
                ProcessExit.Group(126 << 8);
            }
            Vfs.FileSystem.FreeContiguous(copy);
            p.LoadBias = image.Bias;
            AddressSpace.BrkStart = AddressSpace.Brk = AddressSpace.PageUp(image.End);
            AddressSpace.Insert(AddressSpace.StackTop - AddressSpace.StackSize, AddressSpace.StackTop, Prot.Read | Prot.Write, Vma.Stack);

            image.Vdso = Vdso.Map();
            byte* random = stackalloc byte[16];
            Random.Fill(random, 16);
            int argc = CountStrings(argvEntry.Data, argvEntry.Size);
            int envc = CountStrings(envpEntry.Data, envpEntry.Size);
            ulong sp = InitialStack.Build(image, argvEntry.Data, argvEntry.Size, argc, envpEntry.Data, envpEntry.Size, envc,
                                          p.ExePath, p.ExePathLen + 1, random);
            if (sp == 0) { Log.WriteLine("compat: cannot build the initial stack"); ProcessExit.Group(126 << 8); }
            EnterUser(image.Entry, sp);
        }

        private static ulong Strlen(byte* p) { ulong n = 0; while (p[n] != 0) n++; return n; }

        private static int CountStrings(byte* p, ulong len)
        {
            int n = 0;
            for (ulong i = 0; i < len; i++) if (p[i] == 0) n++;
            return n;
        }

        // ---- ending ---------------------------------------------------------------------------

        /// <summary>exit_group(status): the whole process ends. Never returns.</summary>
        public static void Exit(int status) => ProcessExit.Group((status & 0xFF) << 8);

        /// <summary>Kills the calling process with a signal's default action (terminate); the shell reports 128+sig. Never returns.</summary>
        public static void Kill(int sig)
        {
            Process p = Current;
            if (!p.Exiting)
            {
                Log.Write("compat: ");
                if (p != Main) { Log.Write("process "); Log.Dec((long)p.Pid); Log.Write(" "); }
                Log.Write("killed by signal ");
                Log.Dec(sig);
                Log.Write(" (");
                Log.Write(Signal.Name(sig));
                Log.WriteLine(")");
            }
            ProcessExit.Group(sig);
        }

        /// <summary>A CPU exception raised by user code: demand paging, else the matching signal.</summary>
        public static void OnUserFault(InterruptFrame* f)
        {
            ulong v = f->Vector;
            if (v == 14)
            {
                ulong addr = Native.ReadCr2();
                bool write = (f->ErrorCode & 2) != 0, exec = (f->ErrorCode & 16) != 0;
                AddressSpace.OutOfMemory = AddressSpace.BeyondEndOfFile = false;
                // Not present (demand paging), or a write to a present copy-on-write page.
                if (((f->ErrorCode & 1) == 0 || write) && AddressSpace.HandleFault(addr, write, exec)) { Current.MinorFaults++; AllMinorFaults++; return; }
                if (AddressSpace.OutOfMemory)
                {
                    // What Linux's OOM killer would do: SIGKILL, with the reason in the log.
                    Log.Write("compat: out of memory: no free page for address ");
                    Log.Hex(addr);
                    Log.Write(" (");
                    Log.Dec(Mm.TotalRam >> 20);
                    Log.WriteLine(" MiB of RAM; give more with ops run -m)");
                    Kill(Signal.SIGKILL);
                    return;
                }
            }
            // Signal, si_code and si_addr as Linux's traps give them: a page fault is SIGSEGV with
            // SEGV_ACCERR when a region covers the address (wrong rights), else SEGV_MAPERR, or SIGBUS
            // BUS_ADRERR past the end of a mapped file, at the address; divide error FPE_INTDIV, invalid
            // opcode ILL_ILLOPN, single step TRAP_TRACE and the floating-point exceptions their FPE_*
            // code, at the instruction; alignment BUS_ADRALN; the rest (int3, #GP from a privileged
            // instruction, a non-canonical address or an `int N` the gate refuses, segment faults)
            // SI_KERNEL with no address.
            int sig, siCode;
            ulong faultAddr = f->Rip;
            switch (v)
            {
                case 14:
                    faultAddr = Native.ReadCr2();
                    if (AddressSpace.BeyondEndOfFile) { sig = Signal.SIGBUS; siCode = 2; }
                    else { sig = Signal.SIGSEGV; siCode = AddressSpace.Find(faultAddr) >= 0 ? 2 : 1; }
                    break;
                case 0: sig = Signal.SIGFPE; siCode = 1; break;
                case 16: sig = Signal.SIGFPE; siCode = SyscallFpu.MathErrorCode(f, false); break;
                case 19: sig = Signal.SIGFPE; siCode = SyscallFpu.MathErrorCode(f, true); break;
                case 1: sig = Signal.SIGTRAP; siCode = 2; break;
                case 3: sig = Signal.SIGTRAP; siCode = 0x80; faultAddr = 0; break;
                case 6: sig = Signal.SIGILL; siCode = 2; break;
                case 17: sig = Signal.SIGBUS; siCode = 1; faultAddr = 0; break;
                default: sig = Signal.SIGSEGV; siCode = 0x80; faultAddr = 0; break;
            }
            Thread self = Thread.Current;
            if (self.Tracer != null)
            {
                // Traced: the signal goes through its signal-delivery-stop first (the tracer may
                // suppress it, as a debugger does a breakpoint's SIGTRAP). A single step is over.
                if (v == 1 && self.PtraceResume == Ptrace.ResumeStep) f->Rflags &= ~0x100UL;
                SignalDelivery.Force(self, sig, new SigInfo { Code = siCode, Addr = faultAddr, HasAddr = true });
                return;
            }
            if (SignalDelivery.DeliverFault(f, sig, siCode, faultAddr)) return;
            Process p = Current;
            Interrupts.Report(f, "user fault");
            Log.Write("compat: fault in program ");
            Log.WriteBytes(p.ExePath, p.ExePathLen);
            Log.Write(" at RIP ");
            Log.Hex(f->Rip);
            if (v == 14) { Log.Write(", address "); Log.Hex(Native.ReadCr2()); }
            Log.Write(", load bias ");
            Log.Hex(p.LoadBias);
            Log.Write("\n");
            // The bytes at RIP let ops disassemble even code that is not in the file (JIT, libraries).
            byte* code = stackalloc byte[16];
            if (UserMemory.CopyFrom(code, f->Rip, 16) == 0)
            {
                Log.Write("compat: code at RIP:");
                for (int i = 0; i < 16; i++) { Log.Char(' '); Log.Char("0123456789abcdef"[code[i] >> 4]); Log.Char("0123456789abcdef"[code[i] & 15]); }
                Log.Write("\n");
            }
            Kill(sig);
        }
    }
}
