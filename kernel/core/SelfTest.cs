// Built-in self-test (kernel command line "selftest"): exercises the allocator, the runtime
// features the kernel relies on, the timer and the fault path, printing one PASS/FAIL line per
// check and a closing "N passed, M failed" line. The power-off status is the failure count.
using Kernel.Arch;
using Kernel.Drivers;
using Kernel.Memory;

namespace Kernel
{
    internal static unsafe class SelfTest
    {
        private static int s_passed, s_failed;

        private static void Check(string name, bool ok)
        {
            if (ok) s_passed++; else s_failed++;
            Log.Write(ok ? "selftest: PASS " : "selftest: FAIL ");
            Log.WriteLine(name);
        }

        public static int Run()
        {
            s_passed = s_failed = 0;
            Log.WriteLine("selftest: start");
            PageAllocatorTest();
            HeapTest();
            RuntimeTest();
            TimerTest();
            FaultTest();
            Log.Write("selftest: ");
            Log.Dec(s_passed);
            Log.Write(" passed, ");
            Log.Dec(s_failed);
            Log.WriteLine(" failed");
            return s_failed;
        }

        private static void PageAllocatorTest()
        {
            ulong before = Mm.Pages.FreeFrames;
            ulong a = Mm.Pages.Alloc(1), b = Mm.Pages.Alloc(16), c = Mm.Pages.Alloc(1);
            bool distinct = a != 0 && b != 0 && c != 0 && a != c && (c < b || c >= b + 16 * 4096) && (a < b || a >= b + 16 * 4096);
            Check("page allocator: single and contiguous runs are distinct", distinct);
            Check("page allocator: allocation avoids the kernel image",
                a >= Symbols.KernelPhysEnd && b >= Symbols.KernelPhysEnd && c >= Symbols.KernelPhysEnd);
            *(ulong*)Mm.PhysToVirt(b + 15 * 4096) = 0x1234;  // the run is really mapped and writable
            bool freed = Mm.Pages.Free(a) && Mm.Pages.Free(b, 16) && Mm.Pages.Free(c);
            Check("page allocator: free returns every frame", freed && Mm.Pages.FreeFrames == before);
            Check("page allocator: double free is refused", !Mm.Pages.Free(a));
        }

        private static void HeapTest()
        {
            ulong inUse = Mm.KernelHeap.BytesInUse;
            const int N = 512;
            ulong* ptrs = stackalloc ulong[N];
            bool ok = true;
            for (int i = 0; i < N; i++)
            {
                ulong size = (ulong)(8 + (i * 37) % 3000);
                byte* p = (byte*)Mm.KernelHeap.Alloc(size);
                ptrs[i] = (ulong)p;
                if (p == null) { ok = false; break; }
                for (ulong j = 0; j < size; j++) { if (p[j] != 0) ok = false; p[j] = (byte)i; }
            }
            for (int i = 0; i < N && ok; i++)
            {
                ulong size = (ulong)(8 + (i * 37) % 3000);
                byte* p = (byte*)ptrs[i];
                for (ulong j = 0; j < size; j++) if (p[j] != (byte)i) { ok = false; break; }
            }
            Check("heap: 512 mixed-size blocks are zeroed and do not overlap", ok);
            for (int i = 0; i < N; i++) Mm.KernelHeap.Free((void*)ptrs[i]);
            Check("heap: freeing everything returns the bytes", Mm.KernelHeap.BytesInUse == inUse);
            void* x = Mm.KernelHeap.Alloc(100);
            Mm.KernelHeap.Free(x);
            void* y = Mm.KernelHeap.Alloc(100);
            Check("heap: a freed block is reused", x == y);
            Mm.KernelHeap.Free(y);
            void* big = Mm.KernelHeap.Alloc(1 << 20);
            Check("heap: 1 MiB block", big != null && Mm.KernelHeap.BlockSize(big) == 1 << 20);
            Check("heap: free of a large block", Mm.KernelHeap.Free(big));
            Check("heap: free of a foreign pointer is refused", !Mm.KernelHeap.Free((void*)(Symbols.KernelStart + 8)));
        }

        private abstract class Shape { public abstract int Area(); }
        private sealed class Square : Shape { public int Side; public override int Area() => Side * Side; }
        private sealed class Rect : Shape { public int W, H; public override int Area() => W * H; }
        private sealed class Box<T> { public T Value; }
        private static readonly string s_static = "static";
        private static readonly int[] s_table = { 2, 3, 5, 7 };
        private static Shape s_shape = new Square { Side = 3 };

        private static void RuntimeTest()
        {
            Shape[] shapes = { new Square { Side = 4 }, new Rect { W = 2, H = 5 } };
            Check("runtime: virtual dispatch", shapes[0].Area() == 16 && shapes[1].Area() == 10);
            Check("runtime: type checks", shapes[0] is Square && !(shapes[1] is Square) && shapes[1] is Rect);
            var box = new Box<long> { Value = 1L << 40 };
            Check("runtime: generics", box.Value == 1L << 40 && new Box<string> { Value = "g" }.Value == "g");
            string s = string.Concat("ab", "cd");
            Check("runtime: strings", s.Length == 4 && s == "abcd" && s[3] == 'd' && s.Substring(1, 2) == "bc");
            Check("runtime: static initialisation", s_static == "static" && s_table[3] == 7 && s_shape.Area() == 9);
            System.Func<int, int> twice = x => x * 2;
            int k = 5;
            System.Func<int, int> add = x => x + k;
            Check("runtime: delegates and closures", twice(21) == 42 && add(1) == 6);
            object boxed = 42;
            Check("runtime: boxing", boxed is int && (int)boxed == 42);
            System.Span<byte> span = stackalloc byte[8];
            span.Fill(7);
            Check("runtime: spans", span[7] == 7 && span.Slice(2).Length == 6);
            ulong inUse = Mm.KernelHeap.BytesInUse;
            var obj = new Rect { W = 1, H = 1 };
            Runtime.Allocator.Free(obj);
            Check("runtime: objects can be freed", Mm.KernelHeap.BytesInUse == inUse);
        }

        private static void TimerTest()
        {
            ulong t0 = Tsc.MonotonicNs();
            ulong ticks0 = Timer.Ticks;
            // Spin with interrupts open (no hlt: without a timer, hlt would never return and the
            // check could not fail, only hang).
            while (Tsc.MonotonicNs() - t0 < 200_000_000)
            {
                Native.Sti();
                for (int i = 0; i < 100; i++) Native.Pause();
                Native.Cli();
            }
            ulong ticks = Timer.Ticks - ticks0;
            ulong elapsed = Tsc.MonotonicNs() - t0;
            Log.Write("selftest: 200 ms by the TSC saw ");
            Log.Dec(ticks);
            Log.Write(" timer ticks at ");
            Log.Dec(Timer.Hz);
            Log.WriteLine(" Hz");
            Check("timer: periodic interrupts arrive", ticks > 0);
            // Under TCG the two clocks drift; accept 50%..150% of the expected 20 ticks.
            Check("timer: tick rate agrees with the calibrated TSC", ticks >= 10 && ticks <= 30);
            Check("clock: monotonic clock advances", elapsed >= 200_000_000 && Tsc.MonotonicNs() > t0);
        }

        private static void FaultTest()
        {
            ulong before = Interrupts.FaultsReported;
            long r = Native.ProbeRead64(0x0000100000000000);
            Check("fault: page fault on an unmapped address is caught and reported", r == -1 && Interrupts.FaultsReported == before + 1);
            Check("fault: invalid opcode is caught and reported", Native.ProbeUd() == -1 && Interrupts.FaultsReported == before + 2);
            Check("fault: divide error is caught and reported", Native.ProbeDiv0(7) == -1 && Interrupts.FaultsReported == before + 3);
            Check("fault: nothing is mapped at virtual address 0 (a kernel null dereference faults)",
                  Native.ProbeRead64(0) == -1 && Native.ProbeRead64(8) == -1 && Interrupts.FaultsReported == before + 5);
            Check("fault: a mapped address reads normally", Native.ProbeRead64((ulong)Mm.PhysToVirt(Symbols.KernelPhysStart)) != -1);
            MemoryLayoutTest();
        }

        /// <summary>The kernel in the higher half with W^X: each check provokes the fault it expects (extable-recovered).</summary>
        private static void MemoryLayoutTest()
        {
            ulong before = Interrupts.FaultsReported;
            Check("layout: the kernel runs in the higher half",
                  Symbols.TextStart >= Symbols.KernelVirtualBase && Symbols.IsrTable >= Symbols.KernelVirtualBase &&
                  Symbols.BootStackTop >= Symbols.KernelVirtualBase && ((ulong*)Symbols.IsrTable)[0] >= Symbols.KernelVirtualBase);
            // Nothing low: not the image's physical addresses (the old identity map), not 2-4 MiB.
            bool low = Native.ProbeRead64(Symbols.KernelPhysStart) == -1 && Native.ProbeRead64(Symbols.TextStart - Symbols.KernelVirtualBase) == -1 &&
                       Native.ProbeRead64(0x200000) == -1 && Native.ProbeRead64(0x3FF000) == -1;
            Check("layout: the low 4 MiB are unmapped in the kernel's table", low && Interrupts.FaultsReported == before + 4);
            ulong root = PageTable.NewRoot();
            Check("layout: a new process root maps nothing in the lower half", PageTable.LowerHalfEmpty(root));
            PageTable.FreeRoot(root, null);

            // Rewrite what is there: harmless even if the write went through.
            before = Interrupts.FaultsReported;
            ulong textWord = Symbols.TextStart + 64;
            long r = Native.ProbeWrite64(textWord, *(ulong*)textWord);
            Check("W^X: a write to kernel text faults", r == -1 && Interrupts.FaultsReported == before + 1);
            ulong roWord = Symbols.RodataStart;
            r = Native.ProbeWrite64(roWord, *(ulong*)roWord);
            Check("W^X: a write to kernel read-only data faults", r == -1 && Interrupts.FaultsReported == before + 2);
            Check("W^X: executing kernel data faults (no-execute)", Native.ProbeExecData() == -1 && Interrupts.FaultsReported == before + 3);
            ulong alias = (ulong)Mm.PhysToVirt(textWord - Symbols.KernelVirtualBase);
            r = Native.ProbeWrite64(alias, *(ulong*)alias);
            Check("W^X: a write to kernel text through the direct map faults", r == -1 && Interrupts.FaultsReported == before + 4);
            ulong text = PageTable.KernelEntry(Symbols.TextStart), data = PageTable.KernelEntry(Symbols.DataStart),
                  bss = PageTable.KernelEntry(Symbols.KernelEnd - 4096), ro = PageTable.KernelEntry(Symbols.RodataStart);
            bool rights = (text & (PageTable.Writable | PageTable.NoExecute | PageTable.Huge)) == 0 &&
                          (ro & (PageTable.Writable | PageTable.Huge)) == 0 && (ro & PageTable.NoExecute) != 0 &&
                          (data & (PageTable.Writable | PageTable.NoExecute)) == (PageTable.Writable | PageTable.NoExecute) &&
                          (bss & (PageTable.Writable | PageTable.NoExecute)) == (PageTable.Writable | PageTable.NoExecute) &&
                          (data & PageTable.Huge) == 0;
            Check("W^X: image pages are 4 KiB with text RX, read-only data R+NX, data and bss RW+NX", rights);
            Check("W^X: the direct map of RAM is no-execute",
                  (PageTable.KernelEntry((ulong)Mm.PhysToVirt(Symbols.KernelPhysStart)) & PageTable.NoExecute) != 0);
            Check("W^X: EFER.NXE is on", (Native.Rdmsr(0xC0000080) & (1UL << 11)) != 0);
        }
    }
}
