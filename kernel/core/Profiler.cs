// A sampling profiler (kernel arg profile[=HZ], default 1000): PIT channel 0 raises a
// non-maskable interrupt through the I/O APIC HZ times a second, so samples land in kernel code
// too, which runs with interrupts masked. Each sample keeps its RIP; a user-mode one also the id of
// its address space (bits 47-62; kernel addresses have bit 63 set). At power-off the kernel prints
// one "compat: profile RIP COUNT" line per distinct value, and for each address space that
// existed "compat: profile map ID START END OFFSET NAME" per executable region (printed when the
// space goes, as its regions are gone after). ops (run --profile) turns them into a table of
// kernel and user functions, reading the programs' symbols from the host files.
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

        private const int IdShift = 47;
        private const ulong MaxId = 0xFFFF;                     // 16 bits: 47-62
        private static ulong s_nextId;

        /// <summary>A tag for a new address space's samples (0 when not profiling, or once 65,535 are used).</summary>
        public static ulong NewMapId() => s_samples == null || s_nextId >= MaxId ? 0 : ++s_nextId;

        /// <summary>NMI context: record where the CPU was. Touches nothing else.</summary>
        public static void Sample(InterruptFrame* f)
        {
            if (s_samples == null) return;
            ulong v = f->Rip;
            if (f->FromUser)
            {
                UserSamples++;
                MemoryMap m = MemoryMap.Current;
                v = (v & ((1UL << IdShift) - 1)) | (m == null ? 0 : m.ProfileId << IdShift);
            }
            if (s_count < Capacity) s_samples[s_count++] = v;
            else Dropped++;
        }

        /// <summary>The executable regions of <paramref name="m"/>, which its user samples fall in.</summary>
        public static void LogMaps(MemoryMap m)
        {
            if (m.ProfileId == 0 || m.Vmas == null) return;
            byte* path = stackalloc byte[512];
            for (int i = 0; i < m.Count; i++)
            {
                Vma* v = m.Vmas + i;
                if ((v->Prot & Prot.Exec) == 0) continue;
                Log.Write("compat: profile map ");
                Log.Dec(m.ProfileId);
                Log.Write(" "); Log.Hex(v->Start);
                Log.Write(" "); Log.Hex(v->End);
                Log.Write(" "); Log.Hex(v->FileOffset);
                Log.Write(" ");
                Vfs.Inode file = MappedFiles.Get(v->FileId);
                int n = file == null ? 0 : Vfs.FileSystem.GetPath(file, new System.Span<byte>(path, 511));
                if (n > 0) Log.WriteBytes(path, (ulong)n);
                else Log.Write(v->Kind == Vma.VdsoImage ? "[vdso]" : "[anon]");
                Log.Write("\n");
            }
        }

        /// <summary>Prints the samples, one line per distinct kernel address (sorted), then the totals.</summary>
        public static void Report()
        {
            if (s_samples == null) return;
            IoApic.Mask(2);
            int n = s_count;                                    // no NMI adds to it from here on
            for (Process p = Process.First; p != null; p = p.AllNext)
                if (p.Map != null && !p.Zombie) LogMaps(p.Map);  // spaces still alive (a shared one twice: harmless)
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
            Log.Dec((ulong)n + Dropped);
            Log.Write(" samples at ");
            Log.Dec(s_hz);
            Log.Write(" Hz: kernel ");
            Log.Dec((ulong)n + Dropped - UserSamples);
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
