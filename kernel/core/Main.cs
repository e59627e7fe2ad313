// Kernel entry: boot.asm calls kmain with the PVH start info once long mode and SSE are on.
// Order matters: nothing may allocate before the heap exists, and reference-type statics
// are only valid after the module's GC static bases are materialised.
using System.Runtime.InteropServices;
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Memory;
using Kernel.Syscalls;

namespace Kernel
{
    internal static unsafe class KernelMain
    {
        public static ulong ReadyTsc;

        [UnmanagedCallersOnly(EntryPoint = "kmain")]
        private static void Main(uint startInfoPhys)
        {
            Serial.Init();
            Log.Init();
            Log.WriteLine("compat: kernel entry");
            var info = (BootInfo*)Mm.PhysToVirt(startInfoPhys);
            if (info->Magic != BootInfo.MagicValue) Panic.Fail("no PVH start info (boot with a PVH loader)");
            CommandLine.Init(info->CmdlinePaddr == 0 ? null : (byte*)Mm.PhysToVirt(info->CmdlinePaddr));

            Mm.Init(info);
            Internal.Runtime.CompilerHelpers.StartupCodeHelpers.InitializeModules((void**)Symbols.ModulesStart, (void**)Symbols.ModulesEnd);
            Cpu.Init();
            CpuFeatures.Init();
            PageTable.Init();
            Mm.MapHighMemory();
            Tsc.Init(CommandLine.GetNumber("tsc_khz"));
            Lapic.Init();
            Timer.Start();
            Native.Sti();
            ReadyTsc = Native.Rdtsc();

            Console.Init();
            DeviceScan.Init();
            NetService.Init();
            Profiler.Init();
            Random.Init(CommandLine.Find("entropy"));
            SysTime.Init();
            SyscallDispatcher.Init();
            if (!CommandLine.Has("quiet")) PrintBanner();

            int status = 0;
            if (CommandLine.Has("selftest")) status = SelfTest.Run();
            else if (info->NrModules > 0)
            {
                var module = (BootModule*)Mm.PhysToVirt(info->ModlistPaddr);
                CpuTime.Start();
                status = Process.Run((byte*)Mm.PhysToVirt(module->Paddr), module->Size);
                if (SyscallDispatcher.Summary) SyscallDispatcher.PrintSummary();
                Profiler.Report();
                Fs.MissingFiles.Print();
                if (CommandLine.Has("memstats")) Process.LogMemory("end");
                Log.Write("compat: exit status ");
                Log.Dec(status);
                Log.Write("\n");
            }
            else Log.WriteLine("compat: no root image (initrd) given; nothing to run");
            Power.Off(status);
        }

        private static void PrintBanner()
        {
            Log.Write("compat: ready: ");
            Log.Dec(Mm.TotalRam >> 20);
            Log.Write(" MiB RAM, ");
            Log.Dec(Mm.Pages.FreeFrames * 4);
            Log.Write(" KiB free, kernel ");
            Log.Dec((Symbols.KernelEnd - Symbols.KernelStart) >> 10);
            Log.Write(" KiB, TSC ");
            Log.Dec(Tsc.Khz);
            Log.Write(" kHz (");
            Log.Write(Tsc.Source);
            Log.Write("; cpuid ");
            Log.Dec(Tsc.CpuidKhz);
            Log.Write(", pit ");
            Log.Dec(Tsc.PitKhz);
            Log.Write("), entry to ready ");
            Log.Fixed(Tsc.ToNs(ReadyTsc - Symbols.TscAtEntry) / 10000, 2);
            Log.WriteLine(" ms");
            byte* cmdline = CommandLine.Text;
            if (cmdline != null)
            {
                ulong n = 0;
                while (cmdline[n] != 0 && n < 4096) n++;
                // Every word but the entropy seed: the log is readable by programs (syslog, dmesg).
                Log.Write("compat: command line:");
                for (ulong i = 0; i < n;)
                {
                    while (i < n && cmdline[i] == ' ') i++;
                    ulong start = i;
                    while (i < n && cmdline[i] != ' ') i++;
                    if (i == start) break;
                    Log.Write(" ");
                    bool seed = i - start >= 8 && cmdline[start] == 'e' && cmdline[start + 1] == 'n' && cmdline[start + 2] == 't' &&
                                cmdline[start + 3] == 'r' && cmdline[start + 4] == 'o' && cmdline[start + 5] == 'p' && cmdline[start + 6] == 'y' && cmdline[start + 7] == '=';
                    if (seed) Log.Write("entropy=(hidden)");
                    else Log.WriteBytes(cmdline + start, i - start);
                }
                Log.Write("\n");
            }
        }
    }

    /// <summary>The kernel command line (PVH cmdline, i.e. QEMU -append): space-separated words and key=value.</summary>
    internal static unsafe class CommandLine
    {
        private static byte* s_text;

        public static void Init(byte* text) => s_text = text;
        public static byte* Text => s_text;

        private static byte* Find(string key, out bool hasValue)
        {
            hasValue = false;
            if (s_text == null) return null;
            byte* p = s_text;
            while (*p != 0)
            {
                while (*p == ' ') p++;
                byte* word = p;
                int i = 0;
                while (i < key.Length && p[i] == key[i]) i++;
                if (i == key.Length && (p[i] == 0 || p[i] == ' ' || p[i] == '='))
                {
                    hasValue = p[i] == '=';
                    return p + i + (hasValue ? 1 : 0);
                }
                while (*p != 0 && *p != ' ') p++;
            }
            return null;
        }

        public static bool Has(string key) => Find(key, out _) != null;

        /// <summary>The value after key=, or null.</summary>
        public static byte* Find(string key)
        {
            byte* v = Find(key, out bool hasValue);
            return hasValue ? v : null;
        }

        public static ulong GetNumber(string key)
        {
            byte* v = Find(key, out bool hasValue);
            if (v == null || !hasValue) return 0;
            ulong n = 0;
            while (*v >= '0' && *v <= '9') n = n * 10 + (ulong)(*v++ - '0');
            return n;
        }

        /// <summary>key=A.B.C.D[/N]: the IPv4 address in host byte order (0 if absent or malformed) and N (0 if none).</summary>
        public static uint GetIpv4(string key, out int prefix)
        {
            prefix = 0;
            byte* v = Find(key);
            if (v == null) return 0;
            uint a = 0;
            for (int part = 0; part < 4; part++)
            {
                if (*v < '0' || *v > '9') return 0;
                uint n = 0;
                while (*v >= '0' && *v <= '9') n = n * 10 + (uint)(*v++ - '0');
                if (n > 255 || (part < 3 && *v++ != '.')) return 0;
                a = a << 8 | n;
            }
            if (*v == '/')
            {
                v++;
                while (*v >= '0' && *v <= '9') prefix = prefix * 10 + (*v++ - '0');
                if (prefix > 32) prefix = 32;
            }
            return a;
        }
    }
}
