// Reference counts of user frames: a frame mapped privately by several address spaces (after a
// copy-on-write fork) counts its extra owners here; the last owner's release frees it. The shared
// zero page, mapped read-only wherever anonymous memory is read before it is written, is never freed.
namespace Kernel.Memory
{
    internal static unsafe class FrameRefs
    {
        private static ushort* s_extra;          // owners beyond the first, per frame
        private static ulong s_frames;
        public static ulong ZeroPage;            // physical address of the shared zero page

        public static void Init(ulong frames)
        {
            s_frames = frames;
            ulong bytes = frames * 2;
            ulong pages = (bytes + 4095) / 4096;
            ulong phys = Mm.Pages.Alloc(pages);
            if (phys == 0) Panic.Fail("no memory for frame reference counts");
            s_extra = (ushort*)Mm.PhysToVirt(phys);
            Mem.Zero(s_extra, pages * 4096);
            ZeroPage = Mm.Pages.Alloc(1);
            if (ZeroPage == 0) Panic.Fail("no memory for the zero page");
            Mem.Zero(Mm.PhysToVirt(ZeroPage), 4096);
        }

        /// <summary>One more owner. False when the count is saturated (the caller copies instead).</summary>
        public static bool Share(ulong phys)
        {
            if (phys == ZeroPage) return true;
            ulong f = phys >> 12;
            if (f >= s_frames || s_extra[f] == ushort.MaxValue) return false;
            s_extra[f]++;
            return true;
        }

        /// <summary>True when another address space still maps the frame.</summary>
        public static bool IsShared(ulong phys) => phys == ZeroPage || ((phys >> 12) < s_frames && s_extra[phys >> 12] != 0);

        /// <summary>One owner fewer; the last one frees the frame.</summary>
        public static void Release(ulong phys)
        {
            if (phys == ZeroPage) return;
            ulong f = phys >> 12;
            if (f < s_frames && s_extra[f] != 0) { s_extra[f]--; return; }
            Mm.Pages.Free(phys);
        }
    }
}
