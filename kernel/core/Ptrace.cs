// ptrace's stops: a traced thread stops for its tracer at signal delivery, at syscall entry and
// exit (PTRACE_SYSCALL), at the events the tracer asked for (fork, vfork, clone, exec, exit) and
// at PTRACE_INTERRUPT; it waits there, its registers readable and writable by the tracer, until
// resumed or killed. wait4/waitid in the tracer see the stops (Wait) and the deaths of traced
// threads that are not its own children (ExitRecord). The requests are in syscall/SysPtrace.cs.
using Kernel.Arch;
using Kernel.Syscalls;

namespace Kernel
{
    internal static unsafe class Ptrace
    {
        // How the tracer last resumed the thread.
        public const int ResumeCont = 0, ResumeSyscall = 1, ResumeStep = 2;
        // What kind of stop the thread is in (GETSIGINFO, GET_SYSCALL_INFO).
        public const int StopSignal = 1, StopSyscallEntry = 2, StopSyscallExit = 3, StopEvent = 4, StopGroup = 5;

        public const int O_TRACESYSGOOD = 1, O_TRACEFORK = 2, O_TRACEVFORK = 4, O_TRACECLONE = 8, O_TRACEEXEC = 0x10,
            O_TRACEVFORKDONE = 0x20, O_TRACEEXIT = 0x40, O_TRACESECCOMP = 0x80, O_EXITKILL = 0x100000, O_SUSPEND_SECCOMP = 0x200000;
        public const int O_Mask = 0xFF | O_EXITKILL | O_SUSPEND_SECCOMP;
        public const int EventFork = 1, EventVfork = 2, EventClone = 3, EventExec = 4, EventVforkDone = 5, EventExit = 6, EventStop = 128;

        /// <summary>A traced thread that ended while its tracer was not the parent that reaps it: wait4 reports it once.</summary>
        internal sealed class ExitRecord
        {
            public int Tid, Status;
            public ExitRecord Next;
        }

        /// <summary>Set once anything was traced: until then wait4 skips looking for tracees.</summary>
        public static bool Used;

        private static bool Killed(Thread t) =>
            t.ExitRequested || t.Process.Exiting || ((t.Pending | t.Process.Pending) & (1UL << (Signal.SIGKILL - 1))) != 0;

        /// <summary>
        /// Stops the calling thread for its tracer with wait status <paramref name="status"/> until the
        /// tracer resumes it (returns the signal it resumed with), detaches, or the thread is killed (0).
        /// </summary>
        public static int Stop(int status, int kind, in SigInfo info, int infoSig)
        {
            Thread t = Thread.Current;
            Process tracer = t.Tracer;
            if (tracer == null || Killed(t)) return 0;
            t.PtraceStatus = status;
            t.PtraceStopKind = kind;
            t.PtraceInfo = info;
            t.PtraceInfoSig = infoSig;
            t.PtraceResumeSig = 0;
            t.PtraceStopped = true;
            t.PtraceReport = true;
            tracer.ChildWait.WakeAll();
            if ((tracer.Actions[Signal.SIGCHLD].Flags & 1) == 0)                 // SA_NOCLDSTOP
                SignalDelivery.SendToProcess(tracer, Signal.SIGCHLD, new SigInfo { Code = 4 /* CLD_TRAPPED */, Pid = t.Tid, Status = (status >> 8) & 0xFF });
            // Not interruptible: a signal does not end a ptrace-stop, only the tracer or SIGKILL
            // (Scheduler.Interrupt wakes it to look).
            while (t.PtraceStopped && t.Tracer != null && !Killed(t)) Scheduler.Sleep(null, 0, false);
            t.PtraceStopped = false;
            t.PtraceReport = false;
            t.PtraceStopKind = 0;
            return Killed(t) ? 0 : t.PtraceResumeSig;
        }

        private static int EventStatus(int ev) => (Signal.SIGTRAP << 8) | (ev << 16) | 0x7F;

        /// <summary>An event stop (fork, exec, exit, ...) with its message (a pid, an exit status).</summary>
        public static void Event(int ev, ulong message)
        {
            Thread t = Thread.Current;
            t.PtraceEventMsg = message;
            Stop(EventStatus(ev), StopEvent, SigInfo.From(Signal.SIGTRAP | (ev << 8), 0), Signal.SIGTRAP);
        }

        public static bool Wants(Thread t, int option) => t.Tracer != null && (t.PtraceOptions & option) != 0;

        // ---- syscall stops ---------------------------------------------------------------------

        public static bool TracingSyscalls(Thread t) => t.Tracer != null && t.PtraceResume == ResumeSyscall;

        /// <summary>A syscall stop: SIGTRAP, with 0x80 added under PTRACE_O_TRACESYSGOOD, in the wait status and si_code.</summary>
        private static void SyscallStop(int kind)
        {
            Thread t = Thread.Current;
            int code = Signal.SIGTRAP | ((t.PtraceOptions & O_TRACESYSGOOD) != 0 ? 0x80 : 0);
            Stop((code << 8) | 0x7F, kind, SigInfo.From(code, 0), Signal.SIGTRAP);
        }

        /// <summary>The syscall-entry stop: rax reads -ENOSYS and orig_rax the number, which the tracer may change (-1: skip the call).</summary>
        public static ulong SyscallEntry(SyscallFrame* f, ulong nr)
        {
            Thread t = Thread.Current;
            t.OrigRax = nr;
            f->Rax = unchecked((ulong)-Errno.ENOSYS);
            SyscallStop(StopSyscallEntry);
            return t.OrigRax;
        }

        /// <summary>The syscall-exit stop: rax holds the result, which the tracer may change.</summary>
        public static void SyscallExit() => SyscallStop(StopSyscallExit);

        /// <summary>A successful execve: the PTRACE_EVENT_EXEC stop, or (without the option) a SIGTRAP as Linux sends.</summary>
        public static void AfterExec(Thread t, int oldTid)
        {
            if (t.Tracer == null) return;
            if ((t.PtraceOptions & O_TRACEEXEC) != 0) Event(EventExec, (ulong)oldTid);
            else if (!t.PtraceSeized) SignalDelivery.SendToThread(t, Signal.SIGTRAP, SigInfo.From(SigInfo.SI_USER, 0));
        }

        /// <summary>PTRACE_INTERRUPT was asked: the PTRACE_EVENT_STOP on the way back to user mode.</summary>
        public static void InterruptStop()
        {
            Thread t = Thread.Current;
            t.PtraceInterrupt = false;
            if (t.Tracer == null) return;
            Stop(EventStatus(EventStop), StopEvent, SigInfo.From(Signal.SIGTRAP | (EventStop << 8), 0), Signal.SIGTRAP);
        }

        // ---- fork, clone, exit --------------------------------------------------------------

        /// <summary>
        /// A new task of a traced thread: traced too when the tracer asked for that kind of event
        /// (or CLONE_PTRACE); it starts with a SIGSTOP to report. Returns the event to stop for (0: none).
        /// </summary>
        public static int OnNewTask(Thread parent, Thread child, ulong cloneFlags, bool thread)
        {
            const ulong CLONE_VFORK = 0x4000, CLONE_PTRACE = 0x2000, CLONE_UNTRACED = 0x800000;
            if (parent.Tracer == null || (cloneFlags & CLONE_UNTRACED) != 0) return 0;
            int ev = (cloneFlags & CLONE_VFORK) != 0 ? EventVfork : !thread && (cloneFlags & 0xFF) == Signal.SIGCHLD ? EventFork : EventClone;
            int option = ev == EventVfork ? O_TRACEVFORK : ev == EventFork ? O_TRACEFORK : O_TRACECLONE;
            if ((parent.PtraceOptions & option) == 0 && (cloneFlags & CLONE_PTRACE) == 0) return 0;
            child.Tracer = parent.Tracer;
            child.PtraceOptions = parent.PtraceOptions;
            child.PtraceSeized = parent.PtraceSeized;
            child.PtraceResume = ResumeCont;
            child.OrigRax = parent.OrigRax;                // its registers are the parent's at the clone
            // A seized tracer sees the child's first stop as PTRACE_EVENT_STOP, another as a SIGSTOP.
            if (child.PtraceSeized) child.PtraceInterrupt = true;
            else SignalDelivery.SendToThread(child, Signal.SIGSTOP, SigInfo.From(SigInfo.SI_USER, 0));
            child.StartTraced();
            return (parent.PtraceOptions & option) != 0 ? ev : 0;
        }

        /// <summary>A traced thread ends with wait status <paramref name="status"/>: its tracer hears of it unless it is the parent that will reap it.</summary>
        public static void OnThreadExit(Thread t, int status, bool lastThread)
        {
            Process p = t.Process;
            Process tracer = t.Tracer;
            if (tracer != null)
            {
                t.Tracer = null;
                bool leader = t.Tid == p.Pid;
                if (leader && !lastThread) p.LeaderTracer = tracer;
                else if (!(leader && p.Parent == tracer)) Report(tracer, t.Tid, status);   // else the parent reaps the zombie
            }
            if (lastThread && p.LeaderTracer != null)
            {
                // The leader ended before the others: as Linux, its tracer hears of it (with the
                // process's status) only once the whole thread group is gone.
                Process lt = p.LeaderTracer;
                p.LeaderTracer = null;
                if (lt != p.Parent) Report(lt, p.Pid, status);
            }
        }

        private static void Report(Process tracer, int tid, int status)
        {
            if (tracer.Zombie) return;
            var r = new ExitRecord { Tid = tid, Status = status };
            if (tracer.TraceeExits == null) tracer.TraceeExits = r;
            else { ExitRecord last = tracer.TraceeExits; while (last.Next != null) last = last.Next; last.Next = r; }
            tracer.ChildWait.WakeAll();
        }

        /// <summary>The tracer ends: its tracees go free (killed if they asked, PTRACE_O_EXITKILL).</summary>
        public static void OnTracerExit(Process tracer)
        {
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (p.LeaderTracer == tracer) p.LeaderTracer = null;
                for (Thread t = p.Threads; t != null; t = t.ProcessNext)
                {
                    if (t.Tracer != tracer) continue;
                    if ((t.PtraceOptions & O_EXITKILL) != 0) SignalDelivery.SendToProcess(p, Signal.SIGKILL);
                    Detach(t, 0);
                }
            }
            while (tracer.TraceeExits != null) { ExitRecord r = tracer.TraceeExits; tracer.TraceeExits = r.Next; Runtime.Allocator.Free(r); }
        }

        /// <summary>Ends tracing of <paramref name="t"/>; a stopped thread resumes with <paramref name="sig"/>.</summary>
        public static void Detach(Thread t, int sig)
        {
            t.Tracer = null;
            t.PtraceOptions = 0;
            t.PtraceSeized = false;
            t.PtraceResume = ResumeCont;
            t.PtraceInterrupt = false;
            if (t.PtraceStopped) Resume(t, ResumeCont, sig);
        }

        /// <summary>Lets a stopped tracee go on.</summary>
        public static void Resume(Thread t, int how, int sig)
        {
            t.PtraceResume = how;
            t.PtraceResumeSig = sig;
            t.PtraceStopped = false;
            t.PtraceReport = false;
            Scheduler.Wake(t, Scheduler.Woken);
        }

        // ---- wait ----------------------------------------------------------------------------

        private static bool Matches(Thread t, int pid, Process self) => Wait.Selects(pid, t.Tid, t.Process.Pgid, self);

        /// <summary>Whether <paramref name="self"/> traces anything <paramref name="pid"/> selects (so wait has something to wait for).</summary>
        public static bool HasTracees(Process self, int pid)
        {
            for (ExitRecord r = self.TraceeExits; r != null; r = r.Next) if (pid <= 0 || r.Tid == pid) return true;
            for (Process p = Process.First; p != null; p = p.AllNext)
            {
                if (p.LeaderTracer == self && (pid <= 0 || p.Pid == pid)) return true;
                for (Thread t = p.Threads; t != null; t = t.ProcessNext)
                    if (t.Tracer == self && Matches(t, pid, self)) return true;
            }
            return false;
        }

        /// <summary>
        /// A report for wait in the tracer: a traced thread's unreported stop, or the death of a traced
        /// thread. False when there is none. <paramref name="consume"/> false leaves it (WNOWAIT).
        /// </summary>
        public static bool TakeReport(Process self, int pid, bool consume, out int tid, out int status, out bool exited)
        {
            tid = status = 0;
            exited = false;
            ExitRecord prev = null;
            for (ExitRecord r = self.TraceeExits; r != null; prev = r, r = r.Next)
            {
                if (pid > 0 && r.Tid != pid) continue;
                tid = r.Tid; status = r.Status; exited = true;
                if (consume)
                {
                    if (prev == null) self.TraceeExits = r.Next; else prev.Next = r.Next;
                    Runtime.Allocator.Free(r);
                }
                return true;
            }
            for (Process p = Process.First; p != null; p = p.AllNext)
                for (Thread t = p.Threads; t != null; t = t.ProcessNext)
                {
                    if (t.Tracer != self || !t.PtraceStopped || !t.PtraceReport || !Matches(t, pid, self)) continue;
                    tid = t.Tid;
                    status = t.PtraceStatus;
                    if (consume) t.PtraceReport = false;
                    return true;
                }
            return false;
        }
    }
}
