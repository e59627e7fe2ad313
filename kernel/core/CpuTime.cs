// CPU time. Each thread is charged, in TSC ticks, at every kernel entry (user time ends), kernel
// exit and context switch (system time ends): that feeds getrusage, times, the CPU-time clocks and
// /proc/PID/stat. Machine-wide, it also keeps where the kernel's own time goes (halted in the idle
// loop, device interrupts, the timer tick, user page faults), printed with --syscall-summary so a
// benchmark can tell kernel cost from the program's own.
using Kernel.Arch;
using Kernel.Drivers;

namespace Kernel
{
    internal static class CpuTime
    {
        public static ulong Idle, Devices, Tick, Faults, User;
        private static ulong s_start;

        public static void Start() => s_start = Native.Rdtsc();

        /// <summary>TSC ticks since the accounting started (/proc/stat's total).</summary>
        public static ulong Elapsed => Native.Rdtsc() - s_start;

        /// <summary>The current thread leaves user mode (syscall, interrupt or fault from ring 3).</summary>
        public static void EnterKernel()
        {
            Thread t = Thread.Current;
            ulong now = Native.Rdtsc(), d = now - t.CpuStamp;
            t.UserTicks += d;
            User += d;
            t.CpuStamp = now;
        }

        /// <summary>The current thread returns to user mode.</summary>
        public static void LeaveKernel() => Charge(Thread.Current);

        /// <summary>The CPU passes from <paramref name="prev"/> (in the kernel) to <paramref name="next"/>.</summary>
        public static void Switch(Thread prev, Thread next)
        {
            Charge(prev);
            next.CpuStamp = prev.CpuStamp;
        }

        /// <summary>Brings the running thread <paramref name="t"/>'s system time up to now (it is in the kernel).</summary>
        public static void Charge(Thread t)
        {
            ulong now = Native.Rdtsc();
            t.SystemTicks += now - t.CpuStamp;
            t.CpuStamp = now;
        }

        /// <summary>A thread's user and system time so far, in nanoseconds.</summary>
        public static void OfThread(Thread t, out ulong userNs, out ulong systemNs)
        {
            if (t == Thread.Current) Charge(t);
            userNs = Tsc.ToNs(t.UserTicks);
            systemNs = Tsc.ToNs(t.SystemTicks);
        }

        /// <summary>A process's user and system time so far (live threads and ended ones), in nanoseconds.</summary>
        public static void OfProcess(Process p, out ulong userNs, out ulong systemNs)
        {
            ulong u = p.DeadUserTicks, s = p.DeadSystemTicks;
            for (Thread t = p.Threads; t != null; t = t.ProcessNext)
            {
                if (t == Thread.Current) Charge(t);
                u += t.UserTicks;
                s += t.SystemTicks;
            }
            userNs = Tsc.ToNs(u);
            systemNs = Tsc.ToNs(s);
        }

        /// <summary>The reaped children's user and system time, in nanoseconds.</summary>
        public static void OfChildren(Process p, out ulong userNs, out ulong systemNs)
        {
            userNs = Tsc.ToNs(p.ChildUserTicks);
            systemNs = Tsc.ToNs(p.ChildSystemTicks);
        }

        /// <summary>One line: wall time since the program started and its parts in milliseconds, <paramref name="syscalls"/> being the dispatcher's sum.</summary>
        public static void Print(ulong syscalls)
        {
            Log.Write("compat: summary time: wall ");
            Ms(Native.Rdtsc() - s_start);
            Log.Write(" ms: user "); Ms(User);
            Log.Write(", syscalls "); Ms(syscalls);
            Log.Write(", device interrupts "); Ms(Devices);
            Log.Write(", timer tick "); Ms(Tick);
            Log.Write(", page faults "); Ms(Faults);
            Log.Write(", idle "); Ms(Idle);
            Log.WriteLine("");
        }

        private static void Ms(ulong ticks) => Log.Dec(Tsc.ToNs(ticks) / 1_000_000);
    }
}
