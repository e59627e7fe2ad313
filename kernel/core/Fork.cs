// Process and thread lifetime: fork/vfork/clone create a process or a thread that the scheduler
// runs beside its parent; exit ends a thread, exit_group or a fatal signal the whole process; the
// last thread out releases the process's resources and leaves a zombie for wait4.
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    internal static unsafe class Fork
    {
        public const ulong CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800,
            CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000,
            CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;

        private static readonly ulong SigactionBytes = (ulong)((Signal.NSIG + 1) * sizeof(SigAction));

        /// <summary>
        /// A new process (fork, vfork, clone without CLONE_THREAD): a copy of the caller that returns 0
        /// from this syscall on <paramref name="childStack"/> (0: the caller's). Returns the child's pid
        /// in the parent; with CLONE_VFORK the parent first waits until the child execs or exits.
        /// </summary>
        public static long NewProcess(SyscallFrame* f, ulong flags, ulong childStack, ulong tls, ulong ptid, ulong ctid)
        {
            Process parent = Process.Current;
            Thread caller = Thread.Current;
            if (Process.ProcessCount >= (long)parent.Limits[SysProcess.RLIMIT_NPROC].Cur) return -Errno.EAGAIN;
            if (!Headroom()) return -Errno.ENOMEM;
            var c = new Process();
            c.Pid = Process.AllocPid();
            c.Pgid = parent.Pgid;
            c.Sid = parent.Sid;
            c.Umask = parent.Umask;
            c.ThpDisable = parent.ThpDisable;
            c.OomScoreAdj = parent.OomScoreAdj; c.OomScoreAdjMin = parent.OomScoreAdjMin;
            c.Nice = parent.Nice;
            c.IoPriority = parent.IoPriority;
            c.MemPolicy = parent.MemPolicy;
            c.MemPolicyNodes = parent.MemPolicyNodes;
            c.Personality = parent.Personality;
            c.Dumpable = parent.Dumpable;
            c.ForkNoExec = true;
            c.HasCtty = parent.HasCtty;
            c.CttyPty = parent.CttyPty;
            c.ExePath = parent.ExePath; c.ExePathLen = parent.ExePathLen;
            c.Argv = parent.Argv; c.ArgvLength = parent.ArgvLength;
            c.Envp = parent.Envp; c.EnvpLength = parent.EnvpLength;
            c.LoadBias = parent.LoadBias;
            c.Strings = parent.Strings;
            if (c.Strings != null) c.Strings.Refs++;
            c.Name = (byte*)Mm.KernelHeap.Alloc(16);
            c.Actions = (SigAction*)Mm.KernelHeap.Alloc(SigactionBytes);
            c.Limits = (Rlimit*)Mm.KernelHeap.Alloc((ulong)(SysProcess.RlimCount * sizeof(Rlimit)));
            Thread t = Thread.Create(c, c.Pid);
            MemoryMap mem = null;
            if ((flags & CLONE_VM) != 0) { mem = parent.Map; mem.Refs++; }
            else mem = MemoryMap.CloneCurrent();
            if (c.Name == null || c.Actions == null || c.Limits == null || t == null || mem == null)
            {
                if (mem != null && (flags & CLONE_VM) != 0) mem.Refs--;
                else if (mem != null) FreeUnloadedMap(mem);
                if (t != null) t.Free();
                if (c.Name != null) Mm.KernelHeap.Free(c.Name);
                if (c.Actions != null) Mm.KernelHeap.Free(c.Actions);
                if (c.Limits != null) Mm.KernelHeap.Free(c.Limits);
                if (c.Strings != null) c.Strings.Refs--;
                Runtime.Allocator.Free(c);
                return -Errno.ENOMEM;
            }
            c.Map = mem;
            Mem.Copy(c.Name, parent.Name, 16);
            Mem.Copy(c.Actions, parent.Actions, SigactionBytes);
            Mem.Copy(c.Limits, parent.Limits, (ulong)(SysProcess.RlimCount * sizeof(Rlimit)));
            if ((flags & CLONE_FILES) != 0) { c.Files = parent.Files; c.Files.Refs++; }
            else c.Files = parent.Files.Copy();
            c.Cwd = parent.Cwd;
            c.Cwd.OpenRef();
            c.Root = parent.Root;
            if (c.Root != null) c.Root.OpenRef();
            Process family = (flags & CLONE_PARENT) != 0 && parent.Parent != null && parent.Parent != Process.Kernel ? parent.Parent : parent;
            family.AddChild(c);
            c.Link();
            c.AddThread(t);
            SysKeys.OnFork(c, parent);
            ProcFs.AddProcess(c);

            t.SignalMask = caller.SignalMask;
            t.AltStackSp = caller.AltStackSp; t.AltStackSize = caller.AltStackSize; t.AltStackFlags = caller.AltStackFlags;
            InheritThreadState(t, caller);
            t.FsBase = (flags & CLONE_SETTLS) != 0 ? tls : Native.Rdmsr(0xC0000100);
            t.GsBase = Native.Rdmsr(0xC0000101);
            if ((flags & CLONE_CHILD_CLEARTID) != 0) t.ClearChildTid = ctid;
            StartChild(t, f, childStack);
            if ((flags & CLONE_PARENT_SETTID) != 0) UserMemory.Write(ptid, c.Pid);
            if ((flags & CLONE_CHILD_SETTID) != 0) WriteInto(c.Map, ctid, c.Pid);
            bool vfork = (flags & CLONE_VFORK) != 0;
            if (vfork) c.VforkParent = parent;
            int traceEvent = Ptrace.OnNewTask(caller, t, flags, false);
            Scheduler.Enqueue(t);
            if (traceEvent != 0) Ptrace.Event(traceEvent, (ulong)c.Pid);
            if (vfork)
            {
                // The parent may not touch the memory it lends until the child execs or exits.
                while (c.VforkParent != null) Scheduler.Sleep(c.VforkDone, 0, false);
                if (Ptrace.Wants(caller, Ptrace.O_TRACEVFORKDONE)) Ptrace.Event(Ptrace.EventVforkDone, (ulong)c.Pid);
            }
            return c.Pid;
        }

        /// <summary>
        /// Kernel objects (a process, a thread) come from the heap, whose failure is a panic: refuse a new
        /// one while memory is this low, so a fork bomb or a greedy program gets ENOMEM/EAGAIN instead.
        /// </summary>
        private static bool Headroom() => Mm.Pages.FreeFrames >= 256;

        /// <summary>The child's memory may not be the loaded one: write through its page table.</summary>
        private static void WriteInto(MemoryMap m, ulong addr, int value)
        {
            if (m == MemoryMap.Current) { UserMemory.Write(addr, value); return; }
            MemoryMap saved = MemoryMap.Current;
            MemoryMap.Activate(m);
            UserMemory.Write(addr, value);
            MemoryMap.Activate(saved);
        }

        private static void FreeUnloadedMap(MemoryMap m)
        {
            MemoryMap saved = MemoryMap.Current;
            MemoryMap.Activate(m);
            MemoryMap.ReleaseCurrent(saved);
        }

        /// <summary>The new thread returns from this syscall with rax 0 (and the given stack).</summary>
        /// <summary>
        /// A new thread's first way to user mode (boot.asm fork_return, traced_fork_return): as if
        /// fork had just returned in it, so an exec or exit_group since the clone ends it here, a
        /// traced child makes its first stop, and pending signals are delivered.
        /// </summary>
        [System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = "fork_child_start")]
        private static void ChildStart(SyscallFrame* f)
        {
            Thread t = Thread.Current;
            t.SysFrame = f;
            t.IntFrame = null;
            SyscallDispatcher.ReturnToUser(f);
        }

        private static void StartChild(Thread t, SyscallFrame* f, ulong stack)
        {
            SyscallFrame copy = *f;
            copy.Rax = 0;
            if (stack != 0) copy.Rsp = stack;
            t.PrepareUserReturn(&copy, SyscallFpu.Area(f));
            SyscallFpu.SaveX87(t.Fx);
        }

        /// <summary>clone(CLONE_THREAD ...): a thread of the calling process. Returns its tid.</summary>
        /// <summary>What a new thread (or a new process's thread) takes from its creator: seccomp filters, no_new_privs, credentials, timer slack.</summary>
        private static void InheritThreadState(Thread t, Thread from)
        {
            t.SeccompMode = from.SeccompMode;
            t.Seccomp = from.Seccomp;
            if (t.Seccomp != null) t.Seccomp.Refs++;
            t.NoNewPrivs = from.NoNewPrivs;
            Credentials.Hold(from.Cred);
            Credentials.Release(t.Cred);
            t.Cred = from.Cred;
            t.TimerSlackNs = from.TimerSlackNs;
            t.NoTsc = from.NoTsc;
            if (!from.ResetOnFork) { t.Policy = from.Policy; t.RtPriority = from.RtPriority; }
            else if (!from.IsRealtime) t.Policy = from.Policy;    // (reset: a real-time policy becomes SCHED_OTHER; the flag is not inherited)
        }

        public static long NewThread(SyscallFrame* f, ulong flags, ulong stack, ulong tls, ulong ptid, ulong ctid)
        {
            Process p = Process.Current;
            Thread caller = Thread.Current;
            if (!Headroom()) return -Errno.EAGAIN;                    // clone(CLONE_THREAD) says EAGAIN for lack of resources
            int tid = Process.AllocPid();
            Thread t = Thread.Create(p, tid);
            if (t == null) return -Errno.ENOMEM;
            p.AddThread(t);
            t.SignalMask = caller.SignalMask;
            InheritThreadState(t, caller);
            SysKeys.OnNewThread(t, caller);
            t.FsBase = (flags & CLONE_SETTLS) != 0 ? tls : Native.Rdmsr(0xC0000100);
            t.GsBase = Native.Rdmsr(0xC0000101);
            if ((flags & CLONE_CHILD_CLEARTID) != 0) t.ClearChildTid = ctid;
            StartChild(t, f, stack);
            if ((flags & CLONE_PARENT_SETTID) != 0) UserMemory.Write(ptid, tid);
            if ((flags & CLONE_CHILD_SETTID) != 0) UserMemory.Write(ctid, tid);
            int traceEvent = Ptrace.OnNewTask(caller, t, flags, true);
            Scheduler.Enqueue(t);
            if (traceEvent != 0) Ptrace.Event(traceEvent, (ulong)tid);
            return tid;
        }

        /// <summary>exec or exit of a vfork child: its parent may run again.</summary>
        public static void ReleaseVforkParent(Process c)
        {
            if (c.VforkParent == null) return;
            c.VforkParent = null;
            c.VforkDone.WakeAll();
        }
    }

    internal static unsafe class ProcessExit
    {
        /// <summary>exit(): the calling thread ends; the last one ends the process with <paramref name="waitStatus"/>. Never returns.</summary>
        public static void Thread(int waitStatus)
        {
            global::Kernel.Thread t = global::Kernel.Thread.Current;
            Process p = t.Process;
            if (t.RobustList != 0 && p.Map != null) RobustList.Release(t);   // before the tid word, as Linux's mm_release
            if (t.ClearChildTid != 0 && !p.Exiting)
            {
                // CLONE_CHILD_CLEARTID: zero the tid word and wake one futex waiter (pthread_join).
                if (UserMemory.Write(t.ClearChildTid, 0) == 0) Futex.WakeAddress(t.ClearChildTid, 1);
            }
            t.ReturnBorrowed();                                     // exit never returns to the dispatcher
            Ptrace.OnThreadExit(t, p.Exiting ? p.ExitWaitStatus : waitStatus, p.ThreadCount == 1);
            CpuTimers.OnThreadExit(t);
            CpuTime.Charge(t);
            p.RemoveThread(t);
            if (p.ThreadCount == 0) EndProcess(p, p.Exiting ? p.ExitWaitStatus : waitStatus);
            Scheduler.ExitCurrent();
        }

        /// <summary>exit_group() or a fatal signal: every thread of the process ends. Never returns.</summary>
        public static void Group(int waitStatus)
        {
            Process p = Process.Current;
            if (!p.Exiting)
            {
                p.Exiting = true;
                p.ExitWaitStatus = waitStatus;
                for (global::Kernel.Thread o = p.Threads; o != null; o = o.ProcessNext)
                    if (o != global::Kernel.Thread.Current) { o.ExitRequested = true; Scheduler.Interrupt(o); }
            }
            Thread(waitStatus);
        }

        /// <summary>Called on the way back to user mode: a thread asked to end (exit_group, exec, kill) goes now.</summary>
        public static void CheckExitRequest()
        {
            global::Kernel.Thread t = global::Kernel.Thread.Current;
            if (t.ExitRequested || t.Process.Exiting) Thread(t.Process.ExitWaitStatus);
        }

        /// <summary>The last thread is leaving: free what the process holds, reparent its children, become a zombie.</summary>
        private static void EndProcess(Process p, int waitStatus)
        {
            p.Exiting = true;
            p.ExitWaitStatus = waitStatus;
            SysAcct.OnProcessExit(p, waitStatus);               // as Linux's acct_process: memory and files still there
            p.AlarmAt = 0;
            RealTimer.Disarm(p);
            SysTimer.DeleteAll(p);
            CpuTimers.OnProcessExit(p);
            Ptrace.OnTracerExit(p);
            SysSem.ApplyUndos(p);
            SysKeys.OnProcessExit(p);
            if (p.Pid == p.Sid && p != Process.Main) SysIo.LeaderGone(p);
            if (p.Pid == p.Sid && p.CttyPty != null) p.CttyPty.LeaderGone(p, true);
            FdTable.ReleaseTable();
            p.Files = null;
            Fork.ReleaseVforkParent(p);
            p.NoteMaxRss();
            MemoryMap.ReleaseCurrent(null);
            p.Map = null;
            p.Cwd.CloseRef();
            if (p.Root != null) { p.Root.CloseRef(); p.Root = null; }
            Mm.KernelHeap.Free(p.Actions);
            p.Actions = null;
            Mm.KernelHeap.Free(p.Limits);
            p.Limits = null;

            // Orphans go to the nearest living ancestor that is a child subreaper, else to init (pid 1,
            // the kernel's process), which reaps them as they end; those that asked (PR_SET_PDEATHSIG)
            // hear of their parent's death first. A zombie handed to a subreaper is announced to it.
            Process reaper = Process.Kernel;
            for (Process a = p.Parent; a != null && a != Process.Kernel; a = a.Parent)
                if (a.ChildSubreaper && !a.Exiting) { reaper = a; break; }
            while (p.FirstChild != null)
            {
                Process c = p.FirstChild;
                if (c.DeathSignal != 0 && !c.Zombie) SignalDelivery.SendToProcess(c, c.DeathSignal, SigInfo.From(SigInfo.SI_USER, p.Pid));
                p.RemoveChild(c);
                reaper.AddChild(c);
                if (c.Zombie)
                {
                    if (reaper == Process.Kernel) Reap(c);
                    else NotifyParent(c, c.ExitWaitStatus);
                }
            }
            p.Zombie = true;

            if (p == Process.Main)
            {
                Process.MainStatus = (waitStatus & 0x7F) != 0 ? 128 + (waitStatus & 0x7F) : (waitStatus >> 8) & 0xFF;
                Process.MainExited = true;
                return;
            }
            NotifyParent(p, waitStatus);
        }

        /// <summary>Zombie <paramref name="p"/> tells its parent (SIGCHLD, a woken wait), or is reaped at once when nobody will wait for it.</summary>
        private static void NotifyParent(Process p, int waitStatus)
        {
            Process parent = p.Parent;
            if (parent == Process.Kernel || parent == null) { Reap(p); return; }
            // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) leaves no zombies behind.
            SigAction act = parent.Actions[Signal.SIGCHLD];
            if (act.Handler == 1 || (act.Flags & 2 /* SA_NOCLDWAIT */) != 0) { Reap(p); parent.ChildWait.WakeAll(); return; }
            bool killed = (waitStatus & 0x7F) != 0;
            SignalDelivery.SendToProcess(parent, Signal.SIGCHLD, new SigInfo
            {
                Code = killed ? ((waitStatus & 0x80) != 0 ? SigInfo.CLD_DUMPED : SigInfo.CLD_KILLED) : SigInfo.CLD_EXITED,
                Pid = p.Pid,
                Status = killed ? waitStatus & 0x7F : (waitStatus >> 8) & 0xFF,
            });
            parent.ChildWait.WakeAll();
        }

        /// <summary>Frees a zombie for good.</summary>
        public static void Reap(Process z)
        {
            if (z.Parent != null)
            {
                z.Parent.ChildMinorFaults += z.MinorFaults + z.ChildMinorFaults;
                z.Parent.ChildUserTicks += z.DeadUserTicks + z.ChildUserTicks;
                z.Parent.ChildSystemTicks += z.DeadSystemTicks + z.ChildSystemTicks;
            }
            ProcFs.RemoveProcess(z);
            if (z.Parent != null) z.Parent.RemoveChild(z);
            z.Unlink();
            if (z.Name != null) Mm.KernelHeap.Free(z.Name);
            if (z.SigInfo != null) Mm.KernelHeap.Free(z.SigInfo);
            while (z.RtQueue != null) { QueuedSignal q = z.RtQueue; z.RtQueue = q.Next; Runtime.Allocator.Free(q); }
            Runtime.Allocator.Free(z.StopWait);
            if (z.Strings != null) z.Strings.Release();
            Runtime.Allocator.Free(z.ChildWait);
            Runtime.Allocator.Free(z.VforkDone);
            Runtime.Allocator.Free(z);
        }
    }

    internal static unsafe class Wait
    {
        private const int WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;    // WSTOPPED == WUNTRACED

        private static bool Matches(Process c, int pid, Process self) => Selects(pid, c.Pid, c.Pgid, self);

        /// <summary>Whether wait's <paramref name="pid"/> argument selects id <paramref name="id"/> of group <paramref name="pgid"/>: that id, the caller's group (0), any (-1), group -pid.</summary>
        public static bool Selects(int pid, int id, int pgid, Process self)
        {
            if (pid > 0) return id == pid;
            if (pid == 0) return pgid == self.Pgid;
            if (pid < -1) return pgid == -pid;
            return true;
        }

        /// <summary>wait4(pid, wstatus, options, rusage).</summary>
        public static long Wait4(SyscallFrame* f)
        {
            int pid = (int)f->A0;
            ulong wstatus = f->A1;
            int options = (int)f->A2;
            if ((options & ~(WNOHANG | WUNTRACED | WCONTINUED | 0x40000000 | unchecked((int)0x80000000) | 0x20000000)) != 0) return -Errno.EINVAL;
            Process self = Process.Current;
            while (true)
            {
                bool any = false;
                if (Ptrace.Used)
                {
                    // Stops and deaths of the threads this process traces come first, WUNTRACED or not.
                    if (Ptrace.TakeReport(self, pid, true, out int tid, out int traced, out _))
                    {
                        if (wstatus != 0 && UserMemory.Write(wstatus, traced) != 0) return -Errno.EFAULT;
                        if (f->A3 != 0 && UserMemory.Write(f->A3, default(SysIdentity.Rusage)) != 0) return -Errno.EFAULT;
                        return tid;
                    }
                    any = Ptrace.HasTracees(self, pid);
                }
                for (Process c = self.FirstChild; c != null; c = c.NextSibling)
                {
                    if (!Matches(c, pid, self)) continue;
                    any = true;
                    int status;
                    if (c.Zombie) status = c.ExitWaitStatus;
                    else if ((options & WUNTRACED) != 0 && c.Stopped && c.ReportStop) { status = (c.StopSignal << 8) | 0x7F; c.ReportStop = false; }
                    else if ((options & WCONTINUED) != 0 && c.ReportContinue) { status = 0xFFFF; c.ReportContinue = false; }
                    else continue;
                    int found = c.Pid;
                    if (wstatus != 0 && UserMemory.Write(wstatus, status) != 0) return -Errno.EFAULT;
                    if (f->A3 != 0 && UserMemory.Write(f->A3, SysIdentity.OfWaitedChild(c)) != 0) return -Errno.EFAULT;
                    if (c.Zombie) { self.NoteChildMaxRss(c); ProcessExit.Reap(c); }
                    return found;
                }
                if (!any) return -Errno.ECHILD;
                if ((options & WNOHANG) != 0) return 0;
                if (Scheduler.Sleep(self.ChildWait, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }

        private struct Siginfo { public int Signo, Errno, Code, Pad; public int Pid, Uid, Status, Pad2; public long Utime, Stime; }

        /// <summary>waitid(idtype, id, infop, options, rusage).</summary>
        public static long Waitid(SyscallFrame* f)
        {
            int idtype = (int)f->A0, id = (int)f->A1, options = (int)f->A3;
            ulong infop = f->A2;
            if ((options & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | 0x40000000 | unchecked((int)0x80000000) | 0x20000000)) != 0) return -Errno.EINVAL;
            if ((options & (WEXITED | WUNTRACED | WCONTINUED)) == 0) return -Errno.EINVAL;
            int pid = idtype == 0 ? -1 : idtype == 1 ? id : idtype == 2 ? (id == 0 ? 0 : -id) : int.MinValue;
            if (idtype == 3)                                          // P_PIDFD
            {
                if (!(FdTable.Get(id) is PidFile pf)) return -Errno.EBADF;
                pid = pf.Pid;
            }
            if (pid == int.MinValue) return -Errno.EINVAL;
            Process self = Process.Current;
            while (true)
            {
                bool any = false;
                if (Ptrace.Used)
                {
                    if (Ptrace.TakeReport(self, pid, (options & WNOWAIT) == 0, out int tid, out int traced, out bool exited))
                    {
                        Siginfo ti = default;
                        ti.Signo = Signal.SIGCHLD;
                        ti.Pid = tid;
                        if (!exited) { ti.Code = 4; ti.Status = (traced >> 8) & 0xFF; }   // CLD_TRAPPED
                        else if ((traced & 0x7F) != 0) { ti.Code = SigInfo.CLD_KILLED; ti.Status = traced & 0x7F; }
                        else { ti.Code = SigInfo.CLD_EXITED; ti.Status = (traced >> 8) & 0xFF; }
                        if (infop != 0 && (UserMemory.Zero(infop, 128) != 0 || UserMemory.Write(infop, ti) != 0)) return -Errno.EFAULT;
                        return 0;
                    }
                    any = Ptrace.HasTracees(self, pid);
                }
                for (Process c = self.FirstChild; c != null; c = c.NextSibling)
                {
                    if (!Matches(c, pid, self)) continue;
                    any = true;
                    Siginfo si = default;
                    si.Signo = Signal.SIGCHLD;
                    si.Pid = c.Pid;
                    bool keep = (options & WNOWAIT) != 0;
                    if (c.Zombie && (options & WEXITED) != 0)
                    {
                        int status = c.ExitWaitStatus;
                        si.Code = (status & 0x7F) != 0 ? SigInfo.CLD_KILLED : SigInfo.CLD_EXITED;
                        si.Status = (status & 0x7F) != 0 ? status & 0x7F : (status >> 8) & 0xFF;
                    }
                    else if ((options & WUNTRACED) != 0 && c.Stopped && c.ReportStop)
                    {
                        si.Code = SigInfo.CLD_STOPPED; si.Status = c.StopSignal;
                        if (!keep) c.ReportStop = false;
                    }
                    else if ((options & WCONTINUED) != 0 && c.ReportContinue)
                    {
                        si.Code = SigInfo.CLD_CONTINUED; si.Status = Signal.SIGCONT;
                        if (!keep) c.ReportContinue = false;
                    }
                    else continue;
                    SysIdentity.Rusage ru = SysIdentity.OfWaitedChild(c);
                    si.Utime = ru.UtimeSec * 100 + ru.UtimeUsec / 10000;          // clock ticks (USER_HZ 100)
                    si.Stime = ru.StimeSec * 100 + ru.StimeUsec / 10000;
                    if (infop != 0 && (UserMemory.Zero(infop, 128) != 0 || UserMemory.Write(infop, si) != 0)) return -Errno.EFAULT;
                    if (f->A4 != 0 && UserMemory.Write(f->A4, ru) != 0) return -Errno.EFAULT;
                    if (c.Zombie && !keep) { self.NoteChildMaxRss(c); ProcessExit.Reap(c); }
                    return 0;
                }
                if (!any) return -Errno.ECHILD;
                if ((options & WNOHANG) != 0) { if (infop != 0 && UserMemory.Zero(infop, 128) != 0) return -Errno.EFAULT; return 0; }
                if (Scheduler.Sleep(self.ChildWait, 0) == Scheduler.Interrupted) return -Errno.ERESTARTSYS;
            }
        }
    }
}
