// fork, vfork/clone, execve and wait4 without a scheduler: a forked child runs to completion while
// its parent is suspended (its registers, lower-half page tables, regions, descriptors and process
// attributes saved here); when the child exits the parent resumes from fork with the child's pid
// and the exit status waits for wait4. This covers shells, system(), popen() of short commands,
// posix_spawn and subprocess.run: everything where the parent waits. A parent and child running
// side by side (a pipeline whose stages exchange more than a pipe buffer) cannot work this way.
using Kernel.Arch;
using Kernel.Fs;
using Kernel.Loader;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    /// <summary>Everything of a process that fork must set aside while the child runs.</summary>
    internal sealed unsafe class SuspendedParent
    {
        public SyscallFrame Regs;
        public byte* Fpu;                      // 512-byte fxsave image
        public ulong* UserHalf;                // 256 PML4 entries
        public AddressSpace.Saved Space;
        public File[] Files;
        public bool[] Cloexec;
        public ProcessState State;
        public Threads.Saved ThreadList;
        public bool SharesMemory;              // vfork / CLONE_VM: the child borrows the parent's memory
        public bool ChildHasOwnMemory;         // set once the child exec'd (or always after fork)
        public int ChildPid;
    }

    /// <summary>Per-process attributes (the rest of Process's statics are global to the machine).</summary>
    internal unsafe struct ProcessState
    {
        public int Pid, Ppid;
        public ulong ClearChildTid, RobustList, RobustListLen, RseqArea;
        public SigAction* Actions;
        public ulong SignalMask, AltStackSp, AltStackSize, Umask, LoadBias, FsBase, GsBase, Pending;
        public int AltStackFlags;
        public byte* ExePath, Argv, Envp, Name;
        public ulong ExePathLen, ArgvLength, EnvpLength;
        public Vfs.Inode Cwd;
    }

    internal static unsafe class Fork
    {
        private const uint MsrFsBase = 0xC0000100, MsrGsBase = 0xC0000101;
        private static SuspendedParent[] s_parents = new SuspendedParent[32];
        private static int s_depth;
        private static int s_nextPid = 2;
        // Exited children not yet waited for: (parent pid, child pid, wait status).
        private static int[] s_zombieParent = new int[64], s_zombiePid = new int[64], s_zombieStatus = new int[64];
        private static int s_zombies;

        public static bool HasParent => s_depth > 0;
        public static bool ResumePending;

        private static void Capture(ref ProcessState s)
        {
            s.Pid = Process.Pid; s.Ppid = Process.Ppid;
            s.ClearChildTid = Process.ClearChildTid; s.RobustList = Process.RobustList; s.RobustListLen = Process.RobustListLen;
            s.RseqArea = Process.RseqArea; s.Actions = Process.Actions; s.SignalMask = Process.SignalMask;
            s.AltStackSp = Process.AltStackSp; s.AltStackSize = Process.AltStackSize; s.AltStackFlags = Process.AltStackFlags;
            s.Umask = Process.Umask; s.LoadBias = Process.LoadBias; s.ExePath = Process.ExePath; s.ExePathLen = Process.ExePathLen;
            s.Argv = Process.Argv; s.ArgvLength = Process.ArgvLength; s.Envp = Process.Envp; s.EnvpLength = Process.EnvpLength;
            s.Cwd = Process.Cwd; s.Name = SysMisc.Name; s.Pending = SignalDelivery.Pending;
            s.FsBase = Native.Rdmsr(MsrFsBase); s.GsBase = Native.Rdmsr(MsrGsBase);
        }

        private static void Apply(in ProcessState s)
        {
            Process.Pid = s.Pid; Process.Ppid = s.Ppid;
            Process.ClearChildTid = s.ClearChildTid; Process.RobustList = s.RobustList; Process.RobustListLen = s.RobustListLen;
            Process.RseqArea = s.RseqArea; Process.Actions = s.Actions; Process.SignalMask = s.SignalMask;
            Process.AltStackSp = s.AltStackSp; Process.AltStackSize = s.AltStackSize; Process.AltStackFlags = s.AltStackFlags;
            Process.Umask = s.Umask; Process.LoadBias = s.LoadBias; Process.ExePath = s.ExePath; Process.ExePathLen = s.ExePathLen;
            Process.Argv = s.Argv; Process.ArgvLength = s.ArgvLength; Process.Envp = s.Envp; Process.EnvpLength = s.EnvpLength;
            Process.Cwd = s.Cwd; SysMisc.Name = s.Name; SignalDelivery.Pending = s.Pending;
            Native.Wrmsr(MsrFsBase, s.FsBase); Native.Wrmsr(MsrGsBase, s.GsBase);
        }

        private static bool IsSharedPage(ulong va) => AddressSpace.IsSharedPage(va);

        /// <summary>fork (shareMemory false) or vfork/CLONE_VM (true). Returns 0 in the child; the parent resumes later.</summary>
        public static long Start(SyscallFrame* f, bool shareMemory, ulong childStack)
        {
            if (s_depth == s_parents.Length) return -Errno.EAGAIN;
            var p = new SuspendedParent();
            p.Regs = *f;
            p.Fpu = (byte*)Mm.KernelHeap.Alloc(512);
            p.UserHalf = (ulong*)Mm.KernelHeap.Alloc(256 * 8);
            if (p.Fpu == null || p.UserHalf == null) return -Errno.ENOMEM;
            SyscallFpu.ToFxsave(SyscallFpu.Area(f), p.Fpu);
            PageTable.SaveUserHalf(p.UserHalf);
            AddressSpace.Save(out p.Space);
            FdTable.Save(out p.Files, out p.Cloexec);
            Capture(ref p.State);
            Threads.Save(out p.ThreadList);
            Threads.ResetForChild();
            p.SharesMemory = shareMemory;
            p.ChildHasOwnMemory = !shareMemory;

            if (!shareMemory)
            {
                ulong* half = stackalloc ulong[256];
                if (!PageTable.CloneUserHalf(half, &IsSharedPage)) { Mm.KernelHeap.Free(p.Fpu); Mm.KernelHeap.Free(p.UserHalf); return -Errno.ENOMEM; }
                PageTable.LoadUserHalf(half);
                AddressSpace.CopyRegionsForChild();
            }
            FdTable.CopyForChild();
            var actions = (SigAction*)Mm.KernelHeap.Alloc((ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            Mem.Copy(actions, Process.Actions, (ulong)((Signal.NSIG + 1) * sizeof(SigAction)));
            Process.Actions = actions;
            byte* name = (byte*)Mm.KernelHeap.Alloc(16);
            Mem.Copy(name, SysMisc.Name, 16);
            SysMisc.Name = name;
            Process.Cwd.OpenRef();
            p.ChildPid = s_nextPid++;
            Process.Ppid = Process.Pid;
            Process.Pid = p.ChildPid;
            SignalDelivery.Pending = 0;
            s_parents[s_depth++] = p;
            if (childStack != 0) f->Rsp = childStack;
            return 0;
        }

        /// <summary>The running child ended (exit status, or a signal in wait-status form); its parent will resume.</summary>
        public static void ChildEnded(int waitStatus)
        {
            SuspendedParent p = s_parents[--s_depth];
            s_parents[s_depth] = null;
            AddressSpace.SyncAll();
            ulong* childHalf = stackalloc ulong[256];
            PageTable.SaveUserHalf(childHalf);
            if (p.ChildHasOwnMemory)
            {
                AddressSpace.Clear();
                AddressSpace.FreeRegions();
            }
            FdTable.CloseAll();
            Mm.KernelHeap.Free(Process.Actions);
            Mm.KernelHeap.Free(SysMisc.Name);
            Process.Cwd.CloseRef();

            // Switch back to the parent's page tables before freeing the child's (the kernel runs from them).
            PageTable.LoadUserHalf(p.UserHalf);
            if (p.ChildHasOwnMemory) PageTable.FreeUserTables(childHalf);
            AddressSpace.Restore(p.Space);
            FdTable.Restore(p.Files, p.Cloexec);
            Apply(p.State);
            Threads.Restore(p.ThreadList);
            if (s_zombies < s_zombiePid.Length)
            {
                s_zombieParent[s_zombies] = Process.Pid;
                s_zombiePid[s_zombies] = p.ChildPid;
                s_zombieStatus[s_zombies] = waitStatus;
                s_zombies++;
            }
            s_resume = p;
            ResumePending = true;
            SignalDelivery.Raise(Signal.SIGCHLD);
        }

        private static SuspendedParent s_resume;

        /// <summary>Returns from the parent's fork into the current syscall frame (the child's exit).</summary>
        public static void ResumeInto(SyscallFrame* f)
        {
            SuspendedParent p = s_resume;
            s_resume = null;
            ResumePending = false;
            *f = p.Regs;
            f->Rax = (ulong)p.ChildPid;
            SyscallFpu.FromFxsave(p.Fpu, SyscallFpu.Area(f));
            Free(p);
        }

        /// <summary>As ResumeInto, when the child died in a fault (interrupt frame).</summary>
        public static void ResumeInto(InterruptFrame* f)
        {
            SuspendedParent p = s_resume;
            s_resume = null;
            ResumePending = false;
            f->R15 = p.Regs.R15; f->R14 = p.Regs.R14; f->R13 = p.Regs.R13; f->R12 = p.Regs.R12;
            f->Rbp = p.Regs.Rbp; f->Rbx = p.Regs.Rbx; f->R9 = p.Regs.R9; f->R8 = p.Regs.R8; f->R10 = p.Regs.R10;
            f->Rdx = p.Regs.Rdx; f->Rsi = p.Regs.Rsi; f->Rdi = p.Regs.Rdi;
            f->Rax = (ulong)p.ChildPid;
            f->Rcx = p.Regs.Rip; f->R11 = p.Regs.Rflags;            // what sysret would have left there
            f->Rip = p.Regs.Rip; f->Rflags = p.Regs.Rflags | 0x200; f->Rsp = p.Regs.Rsp;
            f->Cs = Cpu.UserCode; f->Ss = Cpu.UserData;
            Mem.Copy(SyscallFpu.Area(f), p.Fpu, 512);       // isr_common keeps a full fxsave image
            Free(p);
        }

        private static void Free(SuspendedParent p)
        {
            Mm.KernelHeap.Free(p.Fpu);
            Mm.KernelHeap.Free(p.UserHalf);
            Runtime.Allocator.Free(p);
        }

        /// <summary>exec inside a vfork child: from now on it needs memory of its own.</summary>
        public static void DetachFromParentMemory()
        {
            if (s_depth == 0) return;
            SuspendedParent p = s_parents[s_depth - 1];
            if (p.ChildHasOwnMemory) return;
            p.ChildHasOwnMemory = true;
            PageTable.NewUserHalf();
            AddressSpace.NewRegions();
        }

        public static bool SharesParentMemory => s_depth > 0 && !s_parents[s_depth - 1].ChildHasOwnMemory;

        /// <summary>wait4: an exited child of the caller matching pid (-1 or 0 or &lt;-1: any).</summary>
        public static long Wait4(SyscallFrame* f)
        {
            int pid = (int)f->A0;
            ulong wstatus = f->A1;
            int options = (int)f->A2;
            if ((options & ~(1 | 2 | 8 | 0x01000000 | 0x40000000 | unchecked((int)0x80000000) | 0x20000000)) != 0) return -Errno.EINVAL;
            for (int i = 0; i < s_zombies; i++)
            {
                if (s_zombieParent[i] != Process.Pid) continue;
                if (pid > 0 && s_zombiePid[i] != pid) continue;
                int found = s_zombiePid[i], status = s_zombieStatus[i];
                if (wstatus != 0 && UserMemory.Write(wstatus, status) != 0) return -Errno.EFAULT;
                if (f->A3 != 0 && UserMemory.Zero(f->A3, 144) != 0) return -Errno.EFAULT;
                s_zombies--;
                s_zombieParent[i] = s_zombieParent[s_zombies];
                s_zombiePid[i] = s_zombiePid[s_zombies];
                s_zombieStatus[i] = s_zombieStatus[s_zombies];
                return found;
            }
            return -Errno.ECHILD;        // children always finish before their parent runs again
        }
    }
}
