// Which function serves which syscall. Every number listed here must be marked implemented,
// partial or stub in syscall/syscalls.tsv and vice versa; the kernel checks this at boot.
namespace Kernel.Syscalls
{
    internal static unsafe class Handlers
    {
        public static void RegisterAll()
        {
            // Console I/O (syscall/SysIo.cs)
            SyscallDispatcher.Register(Nr.read, &SysIo.Read);
            SyscallDispatcher.Register(Nr.write, &SysIo.Write);
            SyscallDispatcher.Register(Nr.readv, &SysIo.Readv);
            SyscallDispatcher.Register(Nr.writev, &SysIo.Writev);
            SyscallDispatcher.Register(Nr.close, &SysIo.Close);
            SyscallDispatcher.Register(Nr.ioctl, &SysIo.Ioctl);
            SyscallDispatcher.Register(Nr.poll, &SysIo.Poll);
            SyscallDispatcher.Register(Nr.ppoll, &SysIo.Ppoll);
            SyscallDispatcher.Register(Nr.fstat, &SysIo.Fstat);
            SyscallDispatcher.Register(Nr.newfstatat, &SysIo.Newfstatat);

            // Memory (syscall/SysMemory.cs)
            SyscallDispatcher.Register(Nr.brk, &SysMemory.Brk);
            SyscallDispatcher.Register(Nr.mmap, &SysMemory.Mmap);
            SyscallDispatcher.Register(Nr.munmap, &SysMemory.Munmap);
            SyscallDispatcher.Register(Nr.mprotect, &SysMemory.Mprotect);
            SyscallDispatcher.Register(Nr.mremap, &SysMemory.Mremap);
            SyscallDispatcher.Register(Nr.madvise, &SysMemory.Madvise);

            // Process (syscall/SysProcess.cs)
            SyscallDispatcher.Register(Nr.exit, &SysProcess.Exit);
            SyscallDispatcher.Register(Nr.exit_group, &SysProcess.Exit);
            SyscallDispatcher.Register(Nr.getpid, &SysProcess.GetPid);
            SyscallDispatcher.Register(Nr.gettid, &SysProcess.GetTid);
            SyscallDispatcher.Register(Nr.getppid, &SysProcess.GetPpid);
            SyscallDispatcher.Register(Nr.getuid, &SysProcess.GetUid);
            SyscallDispatcher.Register(Nr.geteuid, &SysProcess.GetUid);
            SyscallDispatcher.Register(Nr.getgid, &SysProcess.GetUid);
            SyscallDispatcher.Register(Nr.getegid, &SysProcess.GetUid);
            SyscallDispatcher.Register(Nr.uname, &SysProcess.Uname);
            SyscallDispatcher.Register(Nr.arch_prctl, &SysProcess.ArchPrctl);
            SyscallDispatcher.Register(Nr.set_tid_address, &SysProcess.SetTidAddress);
            SyscallDispatcher.Register(Nr.set_robust_list, &SysProcess.SetRobustList);
            SyscallDispatcher.Register(Nr.rseq, &SysProcess.Rseq);
            SyscallDispatcher.Register(Nr.prlimit64, &SysProcess.Prlimit64);
            SyscallDispatcher.Register(Nr.getrlimit, &SysProcess.Getrlimit);
            SyscallDispatcher.Register(Nr.setrlimit, &SysProcess.Setrlimit);
            SyscallDispatcher.Register(Nr.sched_getaffinity, &SysProcess.SchedGetaffinity);
            SyscallDispatcher.Register(Nr.sched_yield, &SysProcess.SchedYield);
            SyscallDispatcher.Register(Nr.getrandom, &SysProcess.Getrandom);
            SyscallDispatcher.Register(Nr.futex, &SysProcess.Futex);

            // Odds and ends before the VFS (syscall/SysProcess.cs, SysMisc)
            SyscallDispatcher.Register(Nr.prctl, &SysMisc.Prctl);
            SyscallDispatcher.Register(Nr.fcntl, &SysMisc.Fcntl);
            SyscallDispatcher.Register(Nr.readlink, &SysMisc.Readlink);

            // Signals (syscall/SysSignal.cs)
            SyscallDispatcher.Register(Nr.rt_sigaction, &SysSignal.RtSigaction);
            SyscallDispatcher.Register(Nr.rt_sigprocmask, &SysSignal.RtSigprocmask);
            SyscallDispatcher.Register(Nr.sigaltstack, &SysSignal.Sigaltstack);
            SyscallDispatcher.Register(Nr.rt_sigreturn, &SignalDelivery.RtSigreturn);

            // Time (syscall/SysTime.cs)
            SyscallDispatcher.Register(Nr.clock_gettime, &SysTime.ClockGettime);
            SyscallDispatcher.Register(Nr.clock_getres, &SysTime.ClockGetres);
            SyscallDispatcher.Register(Nr.gettimeofday, &SysTime.Gettimeofday);
            SyscallDispatcher.Register(Nr.time, &SysTime.Time);
            SyscallDispatcher.Register(Nr.nanosleep, &SysTime.Nanosleep);
            SyscallDispatcher.Register(Nr.clock_nanosleep, &SysTime.ClockNanosleep);
        }
    }
}
