// Which function serves which syscall. Every number listed here must be marked implemented,
// partial or stub in syscall/syscalls.tsv and vice versa; the kernel checks this at boot.
namespace Kernel.Syscalls
{
    internal static unsafe class Handlers
    {
        public static void RegisterAll()
        {
            // Files and descriptors (syscall/SysFile.cs, SysFd.cs)
            SyscallDispatcher.Register(Nr.read, &SysFile.Read);
            SyscallDispatcher.Register(Nr.write, &SysFile.Write);
            SyscallDispatcher.Register(Nr.readv, &SysFile.Readv);
            SyscallDispatcher.Register(Nr.writev, &SysFile.Writev);
            SyscallDispatcher.Register(Nr.pread64, &SysFile.Pread64);
            SyscallDispatcher.Register(Nr.pwrite64, &SysFile.Pwrite64);
            SyscallDispatcher.Register(Nr.preadv, &SysFile.Preadv);
            SyscallDispatcher.Register(Nr.pwritev, &SysFile.Pwritev);
            SyscallDispatcher.Register(Nr.open, &SysFile.Open);
            SyscallDispatcher.Register(Nr.openat, &SysFile.Openat);
            SyscallDispatcher.Register(Nr.creat, &SysFile.Creat);
            SyscallDispatcher.Register(Nr.close, &SysFile.Close);
            SyscallDispatcher.Register(Nr.close_range, &SysFile.CloseRange);
            SyscallDispatcher.Register(Nr.lseek, &SysFile.Lseek);
            SyscallDispatcher.Register(Nr.stat, &SysFile.StatSyscall);
            SyscallDispatcher.Register(Nr.fstat, &SysFile.Fstat);
            SyscallDispatcher.Register(Nr.lstat, &SysFile.Lstat);
            SyscallDispatcher.Register(Nr.newfstatat, &SysFile.Newfstatat);
            SyscallDispatcher.Register(Nr.statx, &SysFile.StatxSyscall);
            SyscallDispatcher.Register(Nr.getdents64, &SysFile.Getdents64);
            SyscallDispatcher.Register(Nr.ioctl, &SysFile.Ioctl);
            SyscallDispatcher.Register(Nr.poll, &SysFile.Poll);
            SyscallDispatcher.Register(Nr.ppoll, &SysFile.Ppoll);
            SyscallDispatcher.Register(Nr.select, &SysFile.Select);
            SyscallDispatcher.Register(Nr.pselect6, &SysFile.Pselect6);
            SyscallDispatcher.Register(Nr.dup, &SysFd.Dup);
            SyscallDispatcher.Register(Nr.dup2, &SysFd.Dup2);
            SyscallDispatcher.Register(Nr.dup3, &SysFd.Dup3);
            SyscallDispatcher.Register(Nr.fcntl, &SysFd.Fcntl);
            SyscallDispatcher.Register(Nr.flock, &SysFd.FlockSyscall);
            SyscallDispatcher.Register(Nr.pipe, &SysFd.PipeSyscall);
            SyscallDispatcher.Register(Nr.pipe2, &SysFd.Pipe2);
            SyscallDispatcher.Register(Nr.ftruncate, &SysFd.Ftruncate);
            SyscallDispatcher.Register(Nr.fsync, &SysFd.Fsync);
            SyscallDispatcher.Register(Nr.fdatasync, &SysFd.Fsync);
            SyscallDispatcher.Register(Nr.fallocate, &SysFd.Fallocate);
            SyscallDispatcher.Register(Nr.sendfile, &SysFd.Sendfile);
            SyscallDispatcher.Register(Nr.copy_file_range, &SysFd.CopyFileRange);

            // Paths (syscall/SysPath.cs)
            SyscallDispatcher.Register(Nr.mkdir, &SysPath.Mkdir);
            SyscallDispatcher.Register(Nr.mkdirat, &SysPath.Mkdirat);
            SyscallDispatcher.Register(Nr.rmdir, &SysPath.Rmdir);
            SyscallDispatcher.Register(Nr.unlink, &SysPath.Unlink);
            SyscallDispatcher.Register(Nr.unlinkat, &SysPath.Unlinkat);
            SyscallDispatcher.Register(Nr.rename, &SysPath.Rename);
            SyscallDispatcher.Register(Nr.renameat, &SysPath.Renameat);
            SyscallDispatcher.Register(Nr.renameat2, &SysPath.Renameat2);
            SyscallDispatcher.Register(Nr.link, &SysPath.Link);
            SyscallDispatcher.Register(Nr.linkat, &SysPath.Linkat);
            SyscallDispatcher.Register(Nr.symlink, &SysPath.Symlink);
            SyscallDispatcher.Register(Nr.symlinkat, &SysPath.Symlinkat);
            SyscallDispatcher.Register(Nr.readlink, &SysPath.Readlink);
            SyscallDispatcher.Register(Nr.readlinkat, &SysPath.Readlinkat);
            SyscallDispatcher.Register(Nr.access, &SysPath.Access);
            SyscallDispatcher.Register(Nr.faccessat, &SysPath.Faccessat);
            SyscallDispatcher.Register(Nr.faccessat2, &SysPath.Faccessat2);
            SyscallDispatcher.Register(Nr.getcwd, &SysPath.Getcwd);
            SyscallDispatcher.Register(Nr.chdir, &SysPath.Chdir);
            SyscallDispatcher.Register(Nr.fchdir, &SysPath.Fchdir);
            SyscallDispatcher.Register(Nr.chmod, &SysPath.Chmod);
            SyscallDispatcher.Register(Nr.fchmod, &SysPath.Fchmod);
            SyscallDispatcher.Register(Nr.fchmodat, &SysPath.Fchmodat);
            SyscallDispatcher.Register(Nr.chown, &SysPath.Chown);
            SyscallDispatcher.Register(Nr.lchown, &SysPath.Lchown);
            SyscallDispatcher.Register(Nr.fchown, &SysPath.Fchown);
            SyscallDispatcher.Register(Nr.fchownat, &SysPath.Fchownat);
            SyscallDispatcher.Register(Nr.utimensat, &SysPath.Utimensat);
            SyscallDispatcher.Register(Nr.truncate, &SysPath.Truncate);
            SyscallDispatcher.Register(Nr.statfs, &SysPath.Statfs);
            SyscallDispatcher.Register(Nr.fstatfs, &SysPath.Fstatfs);
            SyscallDispatcher.Register(Nr.umask, &SysPath.Umask);
            SyscallDispatcher.Register(Nr.getxattr, &SysInfo.Getxattr);
            SyscallDispatcher.Register(Nr.lgetxattr, &SysInfo.Lgetxattr);
            SyscallDispatcher.Register(Nr.fgetxattr, &SysInfo.Fgetxattr);
            SyscallDispatcher.Register(Nr.listxattr, &SysInfo.Listxattr);
            SyscallDispatcher.Register(Nr.llistxattr, &SysInfo.Llistxattr);
            SyscallDispatcher.Register(Nr.flistxattr, &SysInfo.Flistxattr);
            SyscallDispatcher.Register(Nr.setxattr, &SysInfo.Setxattr);
            SyscallDispatcher.Register(Nr.lsetxattr, &SysInfo.Lsetxattr);
            SyscallDispatcher.Register(Nr.fsetxattr, &SysInfo.Fsetxattr);
            SyscallDispatcher.Register(Nr.removexattr, &SysInfo.Removexattr);
            SyscallDispatcher.Register(Nr.lremovexattr, &SysInfo.Lremovexattr);
            SyscallDispatcher.Register(Nr.fremovexattr, &SysInfo.Fremovexattr);
            SyscallDispatcher.Register(Nr.socket, &Fs.Sockets.Socket);
            SyscallDispatcher.Register(Nr.socketpair, &Fs.Sockets.Socketpair);
            SyscallDispatcher.Register(Nr.sendto, &Fs.Sockets.Sendto);
            SyscallDispatcher.Register(Nr.recvfrom, &Fs.Sockets.Recvfrom);
            SyscallDispatcher.Register(Nr.sendmsg, &Fs.Sockets.Sendmsg);
            SyscallDispatcher.Register(Nr.recvmsg, &Fs.Sockets.Recvmsg);
            SyscallDispatcher.Register(Nr.shutdown, &Fs.Sockets.Shutdown);
            SyscallDispatcher.Register(Nr.getsockopt, &Fs.Sockets.Getsockopt);
            SyscallDispatcher.Register(Nr.setsockopt, &Fs.Sockets.Setsockopt);
            SyscallDispatcher.Register(Nr.getsockname, &Fs.Sockets.Getsockname);
            SyscallDispatcher.Register(Nr.getpeername, &Fs.Sockets.Getsockname);
            SyscallDispatcher.Register(Nr.eventfd, &Fs.Sockets.Eventfd);
            SyscallDispatcher.Register(Nr.eventfd2, &Fs.Sockets.Eventfd2);
            SyscallDispatcher.Register(Nr.memfd_create, &SysFd.MemfdCreate);
            SyscallDispatcher.Register(Nr.getgroups, &Fs.Sockets.Getgroups);
            SyscallDispatcher.Register(Nr.epoll_create, &Fs.Epoll.Create);
            SyscallDispatcher.Register(Nr.epoll_create1, &Fs.Epoll.Create1);
            SyscallDispatcher.Register(Nr.epoll_ctl, &Fs.Epoll.Ctl);
            SyscallDispatcher.Register(Nr.epoll_wait, &Fs.Epoll.Wait);
            SyscallDispatcher.Register(Nr.epoll_pwait, &Fs.Epoll.Pwait);
            SyscallDispatcher.Register(Nr.mknod, &SysFile.Mknod);
            SyscallDispatcher.Register(Nr.mknodat, &SysFile.Mknodat);

            // Memory (syscall/SysMemory.cs)
            SyscallDispatcher.Register(Nr.brk, &SysMemory.Brk);
            SyscallDispatcher.Register(Nr.mmap, &SysMemory.Mmap);
            SyscallDispatcher.Register(Nr.munmap, &SysMemory.Munmap);
            SyscallDispatcher.Register(Nr.mprotect, &SysMemory.Mprotect);
            SyscallDispatcher.Register(Nr.mremap, &SysMemory.Mremap);
            SyscallDispatcher.Register(Nr.madvise, &SysMemory.Madvise);
            SyscallDispatcher.Register(Nr.msync, &SysMemory.Msync);

            // Process (syscall/SysProcess.cs)
            SyscallDispatcher.Register(Nr.exit, &SysProcess.Exit);
            SyscallDispatcher.Register(Nr.exit_group, &SysProcess.Exit);
            SyscallDispatcher.Register(Nr.getpid, &SysProcess.GetPid);
            SyscallDispatcher.Register(Nr.gettid, &SysProcess.GetTid);
            SyscallDispatcher.Register(Nr.getppid, &SysProcess.GetPpid);
            SyscallDispatcher.Register(Nr.fork, &SysProcess.ForkSyscall);
            SyscallDispatcher.Register(Nr.vfork, &SysProcess.Vfork);
            SyscallDispatcher.Register(Nr.clone, &SysProcess.Clone);
            SyscallDispatcher.Register(Nr.execve, &Exec.Execve);
            SyscallDispatcher.Register(Nr.execveat, &Exec.Execveat);
            SyscallDispatcher.Register(Nr.wait4, &Wait.Wait4);
            SyscallDispatcher.Register(Nr.waitid, &Wait.Waitid);
            SyscallDispatcher.Register(Nr.clone3, &SysProcess.Clone3);
            SyscallDispatcher.Register(Nr.rt_sigsuspend, &SysSignal.RtSigsuspend);
            SyscallDispatcher.Register(Nr.rt_sigtimedwait, &SysSignal.RtSigtimedwait);
            SyscallDispatcher.Register(Nr.rt_sigqueueinfo, &SysSignal.RtSigqueueinfo);
            SyscallDispatcher.Register(Nr.rt_tgsigqueueinfo, &SysSignal.RtTgsigqueueinfo);
            SyscallDispatcher.Register(Nr.signalfd, &Fs.SignalFile.Signalfd);
            SyscallDispatcher.Register(Nr.signalfd4, &Fs.SignalFile.Signalfd4);
            SyscallDispatcher.Register(Nr.timerfd_create, &Fs.TimerFile.Create);
            SyscallDispatcher.Register(Nr.timerfd_settime, &Fs.TimerFile.Settime);
            SyscallDispatcher.Register(Nr.timerfd_gettime, &Fs.TimerFile.Gettime);
            SyscallDispatcher.Register(Nr.timer_create, &SysTimer.Create);
            SyscallDispatcher.Register(Nr.timer_settime, &SysTimer.Settime);
            SyscallDispatcher.Register(Nr.timer_gettime, &SysTimer.Gettime);
            SyscallDispatcher.Register(Nr.timer_getoverrun, &SysTimer.Getoverrun);
            SyscallDispatcher.Register(Nr.timer_delete, &SysTimer.Delete);
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

            SyscallDispatcher.Register(Nr.prctl, &SysMisc.Prctl);

            // Identity, scheduling, resource usage (syscall/SysIdentity.cs)
            SyscallDispatcher.Register(Nr.getpgrp, &SysIdentity.Getpgrp);
            SyscallDispatcher.Register(Nr.getpgid, &SysIdentity.Getpgid);
            SyscallDispatcher.Register(Nr.getsid, &SysIdentity.Getsid);
            SyscallDispatcher.Register(Nr.setpgid, &SysIdentity.Setpgid);
            SyscallDispatcher.Register(Nr.setsid, &SysIdentity.Setsid);
            SyscallDispatcher.Register(Nr.setuid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setgid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setreuid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setregid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setresuid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setresgid, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.setgroups, &SysIdentity.SetId);
            SyscallDispatcher.Register(Nr.getresuid, &SysIdentity.Getresid);
            SyscallDispatcher.Register(Nr.getresgid, &SysIdentity.Getresid);
            SyscallDispatcher.Register(Nr.getrusage, &SysIdentity.Getrusage);
            SyscallDispatcher.Register(Nr.sched_getscheduler, &SysIdentity.SchedGetscheduler);
            SyscallDispatcher.Register(Nr.sched_getparam, &SysIdentity.SchedGetparam);
            SyscallDispatcher.Register(Nr.sched_setscheduler, &SysIdentity.SchedSetscheduler);
            SyscallDispatcher.Register(Nr.sched_setparam, &SysIdentity.SchedSetparam);
            SyscallDispatcher.Register(Nr.sched_get_priority_max, &SysIdentity.SchedPriorityMax);
            SyscallDispatcher.Register(Nr.sched_get_priority_min, &SysIdentity.SchedPriorityMin);
            SyscallDispatcher.Register(Nr.sched_setaffinity, &SysIdentity.SchedSetaffinity);
            SyscallDispatcher.Register(Nr.getpriority, &SysIdentity.Getpriority);
            SyscallDispatcher.Register(Nr.setpriority, &SysIdentity.Setpriority);
            SyscallDispatcher.Register(Nr.mlock, &SysIdentity.MemoryLock);
            SyscallDispatcher.Register(Nr.munlock, &SysIdentity.MemoryLock);
            SyscallDispatcher.Register(Nr.mlockall, &SysIdentity.MemoryLock);
            SyscallDispatcher.Register(Nr.munlockall, &SysIdentity.MemoryLock);
            SyscallDispatcher.Register(Nr.mlock2, &SysIdentity.MemoryLock);
            SyscallDispatcher.Register(Nr.mincore, &SysIdentity.Mincore);
            SyscallDispatcher.Register(Nr.membarrier, &SysIdentity.Membarrier);
            SyscallDispatcher.Register(Nr.sync, &SysIdentity.Sync);
            SyscallDispatcher.Register(Nr.syncfs, &SysIdentity.Syncfs);
            SyscallDispatcher.Register(Nr.personality, &SysIdentity.Personality);
            SyscallDispatcher.Register(Nr.getcpu, &SysIdentity.Getcpu);
            SyscallDispatcher.Register(Nr.capget, &SysIdentity.Capget);
            SyscallDispatcher.Register(Nr.capset, &SysIdentity.Capset);
            SyscallDispatcher.Register(Nr.pause, &SysIdentity.Pause);

            // Signals (syscall/SysSignal.cs)
            SyscallDispatcher.Register(Nr.rt_sigaction, &SysSignal.RtSigaction);
            SyscallDispatcher.Register(Nr.rt_sigprocmask, &SysSignal.RtSigprocmask);
            SyscallDispatcher.Register(Nr.sigaltstack, &SysSignal.Sigaltstack);
            SyscallDispatcher.Register(Nr.rt_sigpending, &SysSignal.RtSigpending);
            SyscallDispatcher.Register(Nr.rt_sigreturn, &SignalDelivery.RtSigreturn);
            SyscallDispatcher.Register(Nr.kill, &SignalDelivery.Kill);
            SyscallDispatcher.Register(Nr.tkill, &SignalDelivery.Tkill);
            SyscallDispatcher.Register(Nr.tgkill, &SignalDelivery.Tgkill);

            // Time (syscall/SysTime.cs)
            SyscallDispatcher.Register(Nr.clock_gettime, &SysTime.ClockGettime);
            SyscallDispatcher.Register(Nr.clock_getres, &SysTime.ClockGetres);
            SyscallDispatcher.Register(Nr.gettimeofday, &SysTime.Gettimeofday);
            SyscallDispatcher.Register(Nr.time, &SysTime.Time);
            SyscallDispatcher.Register(Nr.nanosleep, &SysTime.Nanosleep);
            SyscallDispatcher.Register(Nr.clock_nanosleep, &SysTime.ClockNanosleep);
            SyscallDispatcher.Register(Nr.sysinfo, &SysInfo.SysinfoSyscall);
            SyscallDispatcher.Register(Nr.times, &SysInfo.Times);
            SyscallDispatcher.Register(Nr.alarm, &RealTimer.Alarm);
            SyscallDispatcher.Register(Nr.setitimer, &RealTimer.Setitimer);
            SyscallDispatcher.Register(Nr.getitimer, &RealTimer.Getitimer);
        }
    }
}
