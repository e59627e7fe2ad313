// Threads (clone with CLONE_THREAD): cooperative, on one CPU. A thread runs until it blocks in
// the kernel (futex wait, sleep, sched_yield, thread exit); then the next runnable thread of the
// process continues. There is no timer preemption: a thread that spins without a syscall keeps
// the CPU. A process with one thread never touches any of this.
using Kernel.Arch;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    internal sealed unsafe class UThread
    {
        public int Tid;
        public SyscallFrame Regs;         // user context while not running (as a syscall would return)
        public byte* Fpu;                 // fxsave image while not running
        public ulong FsBase;
        public ulong ClearChildTid;
        public int State;
        public ulong FutexAddr;
        public ulong Deadline;            // 0: none
        public ulong Rcx, R11;            // live values when Preempted (a syscall return clobbers them, a preemption does not)
        public bool Preempted;            // saved by the timer in user mode: resume with every register intact
        public const int Runnable = 0, FutexWait = 1, Sleeping = 2;
    }

    internal static unsafe class Threads
    {
        private const uint MsrFsBase = 0xC0000100;
        private static UThread[] s_threads;
        private static int s_count, s_current;
        private static int s_nextTid = 1000;

        /// <summary>Set when a syscall handler switched to another thread: the frame now holds that thread.</summary>
        public static bool Switched;

        public static bool Multi => s_count > 1;
        public static int CurrentTid => s_count > 1 ? s_threads[s_current].Tid : Process.Pid;

        public struct Saved { public UThread[] List; public int Count, Current; }
        public static void Save(out Saved s) { s.List = s_threads; s.Count = s_count; s.Current = s_current; }
        public static void Restore(in Saved s) { s_threads = s.List; s_count = s.Count; s_current = s.Current; }

        /// <summary>execve: every other thread of the process ends; the caller becomes the only thread.</summary>
        public static void DropOthers()
        {
            if (s_count == 0) return;
            for (int i = 0; i < s_count; i++)
            {
                Mm.KernelHeap.Free(s_threads[i].Fpu);
                if (i != s_current) Runtime.Allocator.Free(s_threads[i]);
            }
            Runtime.Allocator.Free(s_threads[s_current]);
            Runtime.Allocator.Free(s_threads);
            s_threads = null;
            s_count = 0;
            s_current = 0;
        }

        /// <summary>A forked child starts with only the thread that called fork.</summary>
        public static void ResetForChild() { s_threads = null; s_count = 0; s_current = 0; }

        private static void EnsureMain()
        {
            if (s_count > 0) return;
            s_threads = new UThread[16];
            var main = new UThread { Tid = Process.Pid, ClearChildTid = Process.ClearChildTid };
            main.Fpu = (byte*)Mm.KernelHeap.Alloc(512);
            s_threads[0] = main;
            s_count = 1;
            s_current = 0;
        }

        /// <summary>clone(CLONE_THREAD...): a new thread that resumes from this syscall with rax 0 on <paramref name="stack"/>.</summary>
        public static long Create(SyscallFrame* f, ulong stack, ulong tls, bool setTls, ulong childTid, bool clearChildTid)
        {
            EnsureMain();
            if (s_count == s_threads.Length)
            {
                var bigger = new UThread[s_count * 2];
                for (int i = 0; i < s_count; i++) bigger[i] = s_threads[i];
                Runtime.Allocator.Free(s_threads);
                s_threads = bigger;
            }
            var t = new UThread { Tid = s_nextTid++, State = UThread.Runnable };
            t.Fpu = (byte*)Mm.KernelHeap.Alloc(512);
            if (t.Fpu == null) return -Errno.ENOMEM;
            t.Regs = *f;
            t.Regs.Rax = 0;
            if (stack != 0) t.Regs.Rsp = stack;
            SyscallFpu.ToFxsave(SyscallFpu.Area(f), t.Fpu);
            t.FsBase = setTls ? tls : Native.Rdmsr(MsrFsBase);
            if (clearChildTid) t.ClearChildTid = childTid;
            s_threads[s_count++] = t;
            return t.Tid;
        }

        public static void SetClearChildTid(ulong address)
        {
            if (s_count > 1) s_threads[s_current].ClearChildTid = address;
            else Process.ClearChildTid = address;
        }

        /// <summary>Blocks the running thread (it will see <paramref name="result"/> if nothing changes it) and runs another.</summary>
        public static void Block(SyscallFrame* f, int state, ulong futexAddr, ulong deadline, long result)
        {
            UThread cur = s_threads[s_current];
            cur.State = state;
            cur.FutexAddr = futexAddr;
            cur.Deadline = deadline;
            SaveCurrent(f, result);
            RunNext(f);
        }

        /// <summary>
        /// The running thread must wait for another thread (an empty pipe, a poll with nothing ready):
        /// it will execute the same syscall again when its turn comes (RIP back onto the syscall
        /// instruction, RAX the syscall number), and the next runnable thread runs now.
        /// </summary>
        public static void Restart(SyscallFrame* f, ulong nr)
        {
            SaveCurrent(f, (long)nr);
            UThread cur = s_threads[s_current];
            cur.Regs.Rip -= 2;                                  // syscall is 0F 05
            if (!OthersRunnable())
            {
                // Only sleepers could change things: doze until the next tick instead of spinning.
                cur.State = UThread.Sleeping;
                cur.Deadline = Drivers.Tsc.MonotonicNs() + 1_000_000;
            }
            RunNext(f);
        }

        /// <summary>sched_yield with other threads runnable: the caller goes to the back of the line.</summary>
        public static void Yield(SyscallFrame* f)
        {
            SaveCurrent(f, 0);
            RunNext(f);
        }

        private static void SaveCurrent(SyscallFrame* f, long result)
        {
            UThread cur = s_threads[s_current];
            cur.Preempted = false;
            cur.Regs = *f;
            cur.Regs.Rax = (ulong)result;
            SyscallFpu.ToFxsave(SyscallFpu.Area(f), cur.Fpu);
            cur.FsBase = Native.Rdmsr(MsrFsBase);
        }

        /// <summary>Picks the next runnable thread (round robin), waiting for the earliest deadline when all are blocked.</summary>
        private static void RunNext(SyscallFrame* f)
        {
            while (true)
            {
                ulong now = Drivers.Tsc.MonotonicNs();
                ulong earliest = ulong.MaxValue;
                for (int k = 1; k <= s_count; k++)
                {
                    int i = (s_current + k) % s_count;
                    UThread t = s_threads[i];
                    if (t.State != UThread.Runnable && t.Deadline != 0 && now >= t.Deadline)
                    {
                        t.State = UThread.Runnable;                 // its saved rax already holds the timeout result
                        t.Deadline = 0;
                    }
                    if (t.State == UThread.Runnable) { Load(f, i); return; }
                    if (t.Deadline != 0 && t.Deadline < earliest) earliest = t.Deadline;
                }
                if (earliest == ulong.MaxValue)
                {
                    Log.WriteLine("compat: every thread waits on a futex that nobody can wake: deadlock");
                    Load(f, s_current);
                    Process.Kill(Signal.SIGABRT);
                    return;
                }
                while (Drivers.Tsc.MonotonicNs() < earliest) Native.StiHlt();
            }
        }

        [System.Runtime.RuntimeImport("asm_syscall_symbols")]
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern ulong* SyscallSymbols();

        private static void Load(SyscallFrame* f, int index)
        {
            s_current = index;
            UThread t = s_threads[index];
            *f = t.Regs;
            SyscallFpu.FromFxsave(t.Fpu, SyscallFpu.Area(f));
            Native.Wrmsr(MsrFsBase, t.FsBase);
            if (t.Preempted)
            {
                // sysret would clobber RCX and R11 of a thread stopped mid-instruction-stream: iretq instead.
                ulong* state = (ulong*)SyscallSymbols()[2];
                state[0] = 1;
                state[1] = t.Rcx;
                state[2] = t.R11;
                state[3] = t.Regs.Rip;
                state[4] = Cpu.UserCode;
                state[5] = t.Regs.Rflags | 0x200;
                state[6] = t.Regs.Rsp;
                state[7] = Cpu.UserData;
            }
            Switched = true;
        }

        // ---- preemption: the 100 Hz timer interrupting user mode --------------------------------

        private const ulong SliceNs = 20_000_000;
        private static ulong s_sliceStart;

        /// <summary>Timer tick in user mode: after a 20 ms slice, the next runnable thread gets the CPU.</summary>
        public static void OnTimer(InterruptFrame* f)
        {
            ulong now = Drivers.Tsc.MonotonicNs();
            if (now - s_sliceStart < SliceNs) return;
            s_sliceStart = now;
            // Sleepers whose time has come count as runnable too.
            bool other = false;
            for (int i = 0; i < s_count; i++)
            {
                UThread t = s_threads[i];
                if (i != s_current && t.State != UThread.Runnable && t.Deadline != 0 && now >= t.Deadline) { t.State = UThread.Runnable; t.Deadline = 0; }
                if (i != s_current && t.State == UThread.Runnable) other = true;
            }
            if (!other) return;

            UThread cur = s_threads[s_current];
            cur.Regs.R15 = f->R15; cur.Regs.R14 = f->R14; cur.Regs.R13 = f->R13; cur.Regs.R12 = f->R12;
            cur.Regs.Rbp = f->Rbp; cur.Regs.Rbx = f->Rbx; cur.Regs.R9 = f->R9; cur.Regs.R8 = f->R8;
            cur.Regs.R10 = f->R10; cur.Regs.Rdx = f->Rdx; cur.Regs.Rsi = f->Rsi; cur.Regs.Rdi = f->Rdi;
            cur.Regs.Rax = f->Rax; cur.Regs.Rip = f->Rip; cur.Regs.Rflags = f->Rflags; cur.Regs.Rsp = f->Rsp;
            cur.Rcx = f->Rcx; cur.R11 = f->R11;
            cur.Preempted = true;
            cur.State = UThread.Runnable;
            Mem.Copy(cur.Fpu, SyscallFpu.Area(f), 512);                    // isr_common's fxsave image
            cur.FsBase = Native.Rdmsr(MsrFsBase);

            for (int k = 1; k < s_count; k++)
            {
                int i = (s_current + k) % s_count;
                if (s_threads[i].State != UThread.Runnable) continue;
                s_current = i;
                UThread t = s_threads[i];
                f->R15 = t.Regs.R15; f->R14 = t.Regs.R14; f->R13 = t.Regs.R13; f->R12 = t.Regs.R12;
                f->Rbp = t.Regs.Rbp; f->Rbx = t.Regs.Rbx; f->R9 = t.Regs.R9; f->R8 = t.Regs.R8;
                f->R10 = t.Regs.R10; f->Rdx = t.Regs.Rdx; f->Rsi = t.Regs.Rsi; f->Rdi = t.Regs.Rdi;
                f->Rax = t.Regs.Rax; f->Rip = t.Regs.Rip; f->Rsp = t.Regs.Rsp;
                f->Rflags = t.Regs.Rflags | 0x200;
                f->Rcx = t.Preempted ? t.Rcx : t.Regs.Rip;                   // what sysret would have left
                f->R11 = t.Preempted ? t.R11 : t.Regs.Rflags;
                f->Cs = Cpu.UserCode; f->Ss = Cpu.UserData;
                Mem.Copy(SyscallFpu.Area(f), t.Fpu, 512);
                Native.Wrmsr(MsrFsBase, t.FsBase);
                return;
            }
        }

        /// <summary>FUTEX_WAKE: up to <paramref name="count"/> threads waiting on the address become runnable (their futex returns 0).</summary>
        public static int Wake(ulong address, int count)
        {
            int woken = 0;
            for (int i = 0; i < s_count && woken < count; i++)
            {
                UThread t = s_threads[i];
                if (t.State != UThread.FutexWait || t.FutexAddr != address) continue;
                t.State = UThread.Runnable;
                t.Deadline = 0;
                t.Regs.Rax = 0;
                woken++;
            }
            return woken;
        }

        /// <summary>FUTEX_REQUEUE: waiters beyond those woken move to another address.</summary>
        public static int Requeue(ulong from, ulong to, int limit)
        {
            int moved = 0;
            for (int i = 0; i < s_count && moved < limit; i++)
                if (s_threads[i].State == UThread.FutexWait && s_threads[i].FutexAddr == from) { s_threads[i].FutexAddr = to; moved++; }
            return moved;
        }

        public static bool Exists(int tid)
        {
            if (tid == Process.Pid) return true;
            for (int i = 0; i < s_count; i++) if (s_threads[i].Tid == tid) return true;
            return false;
        }

        /// <summary>Another thread is runnable or will be (it sleeps or waits with a deadline).</summary>
        public static bool OthersCanRun()
        {
            for (int i = 0; i < s_count; i++)
                if (i != s_current && (s_threads[i].State == UThread.Runnable || s_threads[i].Deadline != 0)) return true;
            return false;
        }

        public static bool OthersRunnable()
        {
            for (int i = 0; i < s_count; i++) if (i != s_current && s_threads[i].State == UThread.Runnable) return true;
            return false;
        }

        /// <summary>exit() of one thread: CLONE_CHILD_CLEARTID is honoured, the thread goes, another runs. False for the last thread.</summary>
        public static bool ExitCurrent(SyscallFrame* f)
        {
            if (s_count <= 1) return false;
            UThread cur = s_threads[s_current];
            if (cur.ClearChildTid != 0)
            {
                UserMemory.Write(cur.ClearChildTid, 0);
                Wake(cur.ClearChildTid, 1);
            }
            Mm.KernelHeap.Free(cur.Fpu);
            for (int i = s_current; i < s_count - 1; i++) s_threads[i] = s_threads[i + 1];
            s_threads[--s_count] = null;
            Runtime.Allocator.Free(cur);
            if (s_current >= s_count) s_current = 0;
            s_current = (s_current + s_count - 1) % s_count;       // RunNext starts after s_current
            RunNext(f);
            return true;
        }
    }
}
