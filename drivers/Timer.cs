// Time: the TSC calibrated (CPUID 0x15/0x16, else the PIT, or tsc_khz= on the command line),
// a monotonic nanosecond clock derived from it, and the local APIC timer in one-shot mode, armed
// for the 100 Hz tick or for the earliest sleep or timer deadline when that comes sooner.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers
{
    internal static unsafe class Tsc
    {
        public static ulong Khz;
        public static ulong CpuidKhz, PitKhz;
        public static string Source = "none";
        private static ulong s_base;
        private static ulong s_mult;   // ns = delta * s_mult >> 32

        public static void Init(ulong overrideKhz)
        {
            uint* r = stackalloc uint[4];
            Native.Cpuid(0, 0, r);
            uint maxLeaf = r[0];
            if (maxLeaf >= 0x15)
            {
                Native.Cpuid(0x15, 0, r);
                if (r[0] != 0 && r[1] != 0 && r[2] != 0) CpuidKhz = (ulong)r[2] * r[1] / r[0] / 1000;
            }
            if (CpuidKhz == 0 && maxLeaf >= 0x16)
            {
                Native.Cpuid(0x16, 0, r);
                if ((r[0] & 0xFFFF) != 0) CpuidKhz = (ulong)(r[0] & 0xFFFF) * 1000;
            }
            // The PIT is the only reference microvm has; skip it when the frequency is already known.
            if (overrideKhz == 0 && CpuidKhz == 0) PitKhz = CalibrateWithPit();
            if (overrideKhz != 0) { Khz = overrideKhz; Source = "command line"; }
            else if (CpuidKhz != 0) { Khz = CpuidKhz; Source = "cpuid"; }
            else if (PitKhz != 0) { Khz = PitKhz; Source = "pit"; }
            else { Khz = 2_000_000; Source = "guess (no cpuid leaf, no PIT)"; }
            s_base = Native.Rdtsc();
            s_mult = (1_000_000UL << 32) / Khz;
        }

        /// <summary>One 20 ms measurement against PIT channel 0 (error ~1 PIT tick in 23864: 0.005%); 0 when no PIT answers.</summary>
        private static ulong CalibrateWithPit()
        {
            StartPit(0);                               // reload 65536; its IRQ stays masked
            return PitOnce();
        }

        /// <summary>PIT channel 0, lo/hi access, mode 2 (rate generator): a pulse every <paramref name="divisor"/> ticks of 1.193182 MHz (0: 65536).</summary>
        public static void StartPit(ushort divisor)
        {
            Native.Outb(0x43, 0x34);
            Native.Outb(0x40, (byte)divisor);
            Native.Outb(0x40, (byte)(divisor >> 8));
        }

        private static uint ReadPit()
        {
            Native.Outb(0x43, 0x00);                   // latch channel 0
            uint lo = Native.Inb(0x40);
            return lo | ((uint)Native.Inb(0x40) << 8);
        }

        private static ulong PitOnce()
        {
            const ulong Target = 23864;                // 20 ms at 1.193182 MHz
            uint prev = ReadPit();
            ulong t0 = Native.Rdtsc(), elapsed = 0, spins = 0;
            while (elapsed < Target)
            {
                uint cur = ReadPit();
                elapsed += (prev - cur) & 0xFFFF;      // counts down; wraps every 55 ms
                prev = cur;
                if (++spins > 10_000_000) return 0;    // a counter that never moves: no PIT
            }
            ulong t1 = Native.Rdtsc();
            return (t1 - t0) * 1193182 / elapsed / 1000;
        }

        public static ulong Base => s_base;
        public static ulong Mult => s_mult;

        public static ulong ToNs(ulong ticks) => (ticks >> 32) * s_mult + (((ticks & 0xFFFFFFFF) * s_mult) >> 32);

        /// <summary>Nanoseconds since the clock was initialised; never goes backwards on one CPU.</summary>
        public static ulong MonotonicNs() => ToNs(Native.Rdtsc() - s_base);

        public static void SpinNs(ulong ns)
        {
            ulong end = MonotonicNs() + ns;
            while (MonotonicNs() < end) Native.Pause();
        }
    }

    internal static unsafe class Lapic
    {
        private const uint RegEoi = 0xB0, RegSpurious = 0xF0, RegLvtTimer = 0x320, RegInitialCount = 0x380,
            RegCurrentCount = 0x390, RegDivide = 0x3E0;
        private static uint* s_base;
        public static ulong TicksPerMs;

        private static uint Read(uint reg) => s_base[reg / 4];
        private static void Write(uint reg, uint value) => s_base[reg / 4] = value;

        public static void Init()
        {
            // Mask the legacy PICs: all interrupts come through the local APIC.
            Native.Outb(0x21, 0xFF);
            Native.Outb(0xA1, 0xFF);
            ulong msr = Native.Rdmsr(0x1B);
            Native.Wrmsr(0x1B, msr | (1 << 11));
            s_base = (uint*)Mm.PhysToVirt(msr & 0xFFFFF000);
            Write(RegSpurious, 0x100 | Interrupts.SpuriousVector);

            // Count APIC timer ticks over 5 ms of TSC time (the 100 Hz tick needs no more precision).
            Write(RegDivide, 0x3);                     // divide by 16
            Write(RegLvtTimer, 1 << 16);               // masked, one-shot
            Write(RegInitialCount, 0xFFFFFFFF);
            Tsc.SpinNs(5_000_000);
            uint elapsed = 0xFFFFFFFF - Read(RegCurrentCount);
            Write(RegInitialCount, 0);
            TicksPerMs = elapsed / 5;
        }

        /// <summary>One interrupt on the timer vector after <paramref name="ns"/> (a new count replaces the old one).</summary>
        public static void OneShot(ulong ns)
        {
            ulong count = ns * TicksPerMs / 1_000_000;
            Write(RegInitialCount, count == 0 ? 1u : count > 0xFFFFFFFF ? 0xFFFFFFFFu : (uint)count);
        }

        public static void StartOneShot()
        {
            Write(RegDivide, 0x3);
            Write(RegLvtTimer, Interrupts.TimerVector);   // timer mode 00: one-shot
        }

        /// <summary>This CPU's local APIC ID (where the I/O APIC sends device interrupts).</summary>
        public static uint Id => s_base == null ? 0 : Read(0x20) >> 24;

        public static void EndOfInterrupt()
        {
            if (s_base != null) Write(RegEoi, 0);
        }
    }

    /// <summary>
    /// The clock interrupt. A tick every 10 ms drives the periodic work (time slices, device and
    /// network polls); sleeps and timers get an interrupt of their own at their deadline, so
    /// nanosleep(1 ms) sleeps about 1 ms, not a tick.
    /// </summary>
    internal static class Timer
    {
        public const uint Hz = 100;
        public const ulong PeriodNs = 1_000_000_000 / Hz;
        private const ulong MinNs = 5_000;          // closer deadlines wait this long (the interrupt would be taken at once anyway)
        public static ulong Ticks;                  // periods passed (jiffies)
        public static ulong Fired;                  // timer interrupts in all
        private static ulong s_nextTick;            // monotonic ns of the next period
        private static ulong s_armedAt;             // when the APIC timer fires next

        public static void Start()
        {
            Lapic.StartOneShot();
            ulong now = Tsc.MonotonicNs();
            s_nextTick = now + PeriodNs;
            Program(s_nextTick, now);
        }

        /// <summary>Interrupt context: counts a period when one has passed (true: its work is due) and arms the next.</summary>
        public static bool OnInterrupt()
        {
            Fired++;
            ulong now = Tsc.MonotonicNs();
            bool period = now >= s_nextTick;
            if (period)
            {
                Ticks++;
                s_nextTick += PeriodNs;
                if (s_nextTick <= now) s_nextTick = now + PeriodNs;     // interrupts were held up: no burst of catch-up ticks
            }
            Program(s_nextTick, now);
            return period;
        }

        /// <summary>An interrupt at <paramref name="deadlineNs"/> (monotonic; 0: none) if the next one is later.</summary>
        public static void Request(ulong deadlineNs)
        {
            if (deadlineNs == 0 || deadlineNs >= s_armedAt || s_nextTick == 0) return;
            bool interrupts = Native.SaveAndCli();
            if (deadlineNs < s_armedAt) Program(deadlineNs, Tsc.MonotonicNs());
            Native.RestoreInterrupts(interrupts);
        }

        private static void Program(ulong at, ulong now)
        {
            ulong delta = at > now + MinNs ? at - now : MinNs;
            s_armedAt = now + delta;
            Lapic.OneShot(delta);
        }
    }
}
