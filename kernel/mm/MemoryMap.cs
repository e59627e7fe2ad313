// One user address space: its page-table root and its regions. A process owns one; a vfork or
// CLONE_VM child shares its parent's (reference counted). AddressSpace works on the loaded map
// (MemoryMap.Current, the one whose root is in CR3), so the syscall paths need no argument.
using Kernel.Arch;

namespace Kernel.Memory
{
    internal sealed unsafe class MemoryMap
    {
        public ulong Root;                       // physical address of the PML4
        public Vma* Vmas;
        public int Count, Capacity;
        public int SharedCount;                  // MAP_SHARED file regions: read()/write() must sync with them
        public ulong BrkStart, Brk;
        public ulong PagesMapped;
        public ulong PeakPages;                 // PagesMapped's high-water mark before the last unmap (ru_maxrss)
        public int Refs = 1;
        public Fs.AioContext Aio;               // io_setup contexts (Linux keeps them on the mm): a fork child has none
        public int MembarrierRegistered;         // membarrier REGISTER_* commands done (a fork keeps them, exec starts afresh)
        public ulong ProfileId;                  // tags this map's user-mode samples (Profiler); 0 when not profiling
        public Vfs.Inode Program;                // the file it runs (exec): writes to it are ETXTBSY while this map lives

        /// <summary>Exec: this map runs <paramref name="node"/>, which stays unwritable (and alive) until the map goes.</summary>
        public void SetProgram(Vfs.Inode node)
        {
            Program = node;
            node.OpenRef();
            node.WriteCount--;
        }

        /// <summary>The map in CR3 (per CPU; one CPU for now). Null only before the first process.</summary>
        public static MemoryMap Current;

        /// <summary>A new, empty address space; null when out of memory.</summary>
        public static MemoryMap Create()
        {
            ulong root = PageTable.NewRoot();
            if (root == 0) return null;
            var m = new MemoryMap { Root = root, Capacity = 64, ProfileId = Profiler.NewMapId() };
            m.Vmas = (Vma*)Mm.KernelHeap.Alloc((ulong)(m.Capacity * sizeof(Vma)));
            if (m.Vmas == null) { PageTable.FreeRoot(root, null); Runtime.Allocator.Free(m); return null; }
            return m;
        }

        /// <summary>Makes <paramref name="m"/> the loaded address space (null: the kernel's own table).</summary>
        public static void Activate(MemoryMap m)
        {
            Current = m;
            PageTable.Activate(m == null ? PageTable.KernelRoot : m.Root);
        }

        /// <summary>
        /// fork: a private copy of the loaded map (pages copied, MAP_SHARED pages and aio rings shared;
        /// the aio contexts themselves stay with the parent, as Linux's ioctx table). Null when out of memory.
        /// </summary>
        public static MemoryMap CloneCurrent()
        {
            MemoryMap src = Current;
            ulong root = PageTable.CloneRoot(&AddressSpace.ForkCopy);
            if (root == 0) return null;
            var m = new MemoryMap { Root = root, Capacity = src.Capacity, Count = src.Count, SharedCount = src.SharedCount,
                                    BrkStart = src.BrkStart, Brk = src.Brk, PagesMapped = src.PagesMapped, PeakPages = src.PagesMapped,
                                    MembarrierRegistered = src.MembarrierRegistered, ProfileId = Profiler.NewMapId() };
            m.Vmas = (Vma*)Mm.KernelHeap.Alloc((ulong)(m.Capacity * sizeof(Vma)));
            if (m.Vmas == null) { PageTable.FreeRoot(root, &AddressSpace.ForkCopy); Runtime.Allocator.Free(m); return null; }
            Mem.Copy(m.Vmas, src.Vmas, (ulong)(src.Count * sizeof(Vma)));
            for (int i = 0; i < m.Count; i++) if (m.Vmas[i].FileId != 0) MappedFiles.AddRef(m.Vmas[i].FileId);
            if (src.Program != null) m.SetProgram(src.Program);
            return m;
        }

        /// <summary>
        /// Drops one reference to the loaded map. The last one unmaps everything (shared pages are
        /// written back), switches to <paramref name="next"/> (null: the kernel's table) and frees the tables.
        /// </summary>
        public static void ReleaseCurrent(MemoryMap next)
        {
            MemoryMap m = Current;
            if (--m.Refs > 0) { Activate(next); return; }
            if (Profiler.Enabled) Profiler.LogMaps(m);             // its samples' code, before the regions go
            Fs.AioContext.ReleaseAll(m);
            Fs.IoRing.ReleaseFor(m);
            AddressSpace.SyncAll();
            AddressSpace.Clear();
            Mm.KernelHeap.Free(m.Vmas);
            m.Vmas = null;
            if (m.Program != null) { m.Program.WriteCount++; m.Program.CloseRef(); m.Program = null; }
            Activate(next);
            PageTable.FreeRoot(m.Root, null);
            Runtime.Allocator.Free(m);
        }
    }
}
