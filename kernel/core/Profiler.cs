// A sampling profiler (kernel arg profile[=HZ], default 1000): PIT channel 0 raises a
// non-maskable interrupt through the I/O APIC HZ times a second, so samples land in kernel code
// too, which runs with interrupts masked. Each kernel sample keeps its RIP; user-mode samples are
// only counted. At power-off the kernel prints one "compat: profile RIP COUNT" line per distinct
// address; ops (run --profile) or tools/profile-report turns them into a table of functions.
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel
{
    internal static unsafe class Profiler
    {
        private const int Capacity = 1 << 18;                   // 2 MiB of samples: 4 min at 1 kHz
        private static ulong* s_samples;
        private static int s_count;
        private static ulong s_hz;
        public static ulong UserSamples, Dropped;

        public static bool Enabled => s_samples != null;

        public static void Init()
        {
            if (!CommandLine.Has("profile")) return;
            s_hz = CommandLine.GetNumber("profile");
            if (s_hz == 0) s_hz = 1000;
            if (s_hz < 20) s_hz = 20;                           // the PIT's 16-bit divisor
            if (s_hz > 10000) s_hz = 10000;
            ulong phys = Mm.Pages.Alloc((ulong)Capacity * 8 / PageAllocator.PageSize);
            if (phys == 0) { Log.WriteLine("compat: profile: no memory for the sample buffer; not profiling"); return; }
            s_samples = (ulong*)Mm.PhysToVirt(phys);
            Tsc.StartPit((ushort)(1193182 / s_hz));     // a pulse every 1/HZ s (HZ >= 20: fits 16 bits)
            // ISA IRQ 0 is GSI 2 on QEMU's I/O APIC (the usual interrupt source override).
            if (!IoApic.RouteNmi(2)) { Log.WriteLine("compat: profile: no I/O APIC pin for the PIT; not profiling"); s_samples = null; return; }
            Log.Write("compat: profile: sampling at ");
            Log.Dec(s_hz);
            Log.WriteLine(" Hz (PIT -> NMI)");
        }

        /// <summary>NMI context: record where the CPU was. Touches nothing else.</summary>
        public static void Sample(InterruptFrame* f)
        {
            if (s_samples == null) return;
            if (f->FromUser) UserSamples++;
            else if (s_count < Capacity) s_samples[s_count++] = f->Rip;
            else Dropped++;
        }

        /// <summary>Prints the samples, one line per distinct kernel address (sorted), then the totals.</summary>
        public static void Report()
        {
            if (s_samples == null) return;
            IoApic.Mask(2);
            int n = s_count;                                    // no NMI adds to it from here on
            Sort(s_samples, n);
            for (int i = 0; i < n;)
            {
                int j = i;
                while (j < n && s_samples[j] == s_samples[i]) j++;
                Log.Write("compat: profile ");
                Log.Hex(s_samples[i]);
                Log.Write(" ");
                Log.Dec((ulong)(j - i));
                Log.Write("\n");
                i = j;
            }
            Log.Write("compat: profile total ");
            Log.Dec((ulong)n + UserSamples);
            Log.Write(" samples at ");
            Log.Dec(s_hz);
            Log.Write(" Hz: kernel ");
            Log.Dec((ulong)n);
            Log.Write(", user ");
            Log.Dec(UserSamples);
            Log.Write(", dropped ");
            Log.Dec(Dropped);
            Log.Write("\n");
        }

        // Heapsort: in place, no allocation, n log n for the few hundred thousand samples.
        private static void Sort(ulong* a, int n)
        {
            for (int i = n / 2 - 1; i >= 0; i--) SiftDown(a, i, n);
            for (int end = n - 1; end > 0; end--)
            {
                ulong t = a[0]; a[0] = a[end]; a[end] = t;
                SiftDown(a, 0, end);
            }
        }

        private static void SiftDown(ulong* a, int i, int n)
        {
            while (true)
            {
                int c = 2 * i + 1;
                if (c >= n) return;
                if (c + 1 < n && a[c + 1] > a[c]) c++;
                if (a[i] >= a[c]) return;
                ulong t = a[i]; a[i] = a[c]; a[c] = t;
                i = c;
            }
        }
    }
}
