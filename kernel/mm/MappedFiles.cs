// Files that back memory mappings. A VMA refers to its file by a small id (VMAs are plain structs
// in an unmanaged array, so they cannot hold object references); each mapping holds one reference.
using Kernel.Vfs;
using Kernel.Memory;

namespace Kernel.Memory
{
    internal static class MappedFiles
    {
        private static Inode[] s_files;
        private static int[] s_refs;
        // The page cache of MAP_SHARED mappings: every shared mapping of a file page uses one frame.
        private static ulong[][] s_pageIndex, s_pagePhys;
        private static int[] s_pageCount;

        public static Inode Get(int id) => id > 0 && s_files != null && id < s_files.Length ? s_files[id] : null;

        /// <summary>A new reference to <paramref name="node"/>; the id is shared by all mappings of it. 0 when out of memory.</summary>
        public static int Add(Inode node)
        {
            if (s_files == null && !Grow(256)) return 0;
            int id = node.MappedId;
            if (id > 0 && id < s_files.Length && s_files[id] == node) { s_refs[id]++; return id; }
            int free = -1;
            for (int i = s_freeHint; i < s_files.Length; i++) if (s_files[i] == null) { free = i; break; }
            if (free < 0)
            {
                free = s_files.Length;
                if (!Grow(s_files.Length * 2)) return 0;
            }
            s_freeHint = free + 1;
            s_files[free] = node;
            s_refs[free] = 1;
            node.MappedId = free;
            node.OpenRef();
            return free;
        }

        private static int s_freeHint = 1;                   // no free id below it

        // Patterns for the tables' types: a table that cannot grow refuses the mapping (mmap: ENFILE)
        // instead of stopping the kernel, as a plain `new` would when the heap is exhausted.
        private static readonly Inode[] s_noFiles = new Inode[0];
        private static readonly int[] s_noInts = new int[0];
        private static readonly ulong[][] s_noPages = new ulong[0][];

        /// <summary>The tables at <paramref name="n"/> entries (the ids in use keep their places); false when memory is short.</summary>
        private static bool Grow(int n)
        {
            var files = (Inode[])Runtime.Allocator.TryNewArrayLike(s_noFiles, n);
            var refs = (int[])Runtime.Allocator.TryNewArrayLike(s_noInts, n);
            var pageIndex = (ulong[][])Runtime.Allocator.TryNewArrayLike(s_noPages, n);
            var pagePhys = (ulong[][])Runtime.Allocator.TryNewArrayLike(s_noPages, n);
            var pageCount = (int[])Runtime.Allocator.TryNewArrayLike(s_noInts, n);
            if (files == null || refs == null || pageIndex == null || pagePhys == null || pageCount == null)
            {
                Runtime.Allocator.Free(files); Runtime.Allocator.Free(refs); Runtime.Allocator.Free(pageIndex);
                Runtime.Allocator.Free(pagePhys); Runtime.Allocator.Free(pageCount);
                return false;
            }
            int old = s_files == null ? 0 : s_files.Length;
            for (int i = 0; i < old; i++)
            {
                files[i] = s_files[i]; refs[i] = s_refs[i];
                pageIndex[i] = s_pageIndex[i]; pagePhys[i] = s_pagePhys[i]; pageCount[i] = s_pageCount[i];
            }
            if (s_files != null)
            {
                Runtime.Allocator.Free(s_files); Runtime.Allocator.Free(s_refs);
                Runtime.Allocator.Free(s_pageIndex); Runtime.Allocator.Free(s_pagePhys); Runtime.Allocator.Free(s_pageCount);
            }
            s_files = files; s_refs = refs; s_pageIndex = pageIndex; s_pagePhys = pagePhys; s_pageCount = pageCount;
            return true;
        }

        public static void AddRef(int id) { if (Get(id) != null) s_refs[id]++; }

        /// <summary>References held on <paramref name="id"/> (mappings, SysV segments); 0 once it is gone.</summary>
        public static int RefCount(int id) => Get(id) != null ? s_refs[id] : 0;

        public static void Release(int id)
        {
            Inode node = Get(id);
            if (node == null || --s_refs[id] > 0) return;
            if (s_pageIndex[id] != null)
            {
                for (int i = 0; i < s_pageIndex[id].Length; i++) if (s_pageIndex[id][i] != 0) Mm.Pages.Free(s_pagePhys[id][i]);
                Runtime.Allocator.Free(s_pageIndex[id]); Runtime.Allocator.Free(s_pagePhys[id]);
                s_pageIndex[id] = null; s_pagePhys[id] = null;
            }
            s_pageCount[id] = 0;
            s_files[id] = null;
            if (id < s_freeHint) s_freeHint = id;
            if (node.MappedId == id) node.MappedId = 0;
            node.CloseRef();
        }

        // Each file's cached pages are an open-addressing hash table: s_pageIndex holds page index + 1
        // (0: a free slot), s_pagePhys the frame; a power-of-two size kept at most half full, so a
        // fault in a large shared mapping finds its page in O(1), not by a scan of every page.
        private static int Slot(ulong[] keys, ulong index)
        {
            int mask = keys.Length - 1;
            int i = (int)((index * 0x9E3779B97F4A7C15UL) >> 40) & mask;
            while (keys[i] != 0 && keys[i] != index + 1) i = (i + 1) & mask;
            return i;
        }

        /// <summary>The frame caching page <paramref name="index"/> of the file for shared mappings, or 0.</summary>
        public static ulong CachedPage(int id, ulong index)
        {
            if (Get(id) == null || s_pageIndex[id] == null) return 0;
            int i = Slot(s_pageIndex[id], index);
            return s_pageIndex[id][i] != 0 ? s_pagePhys[id][i] : 0;
        }

        /// <summary>Caches frame <paramref name="phys"/> as page <paramref name="index"/> (not cached yet) of the file.</summary>
        public static void AddPage(int id, ulong index, ulong phys)
        {
            if (s_pageIndex[id] == null || 2 * (s_pageCount[id] + 1) > s_pageIndex[id].Length)
            {
                ulong[] oldKeys = s_pageIndex[id], oldPhys = s_pagePhys[id];
                int n = oldKeys == null ? 16 : oldKeys.Length * 2;
                s_pageIndex[id] = new ulong[n];
                s_pagePhys[id] = new ulong[n];
                if (oldKeys != null)
                {
                    for (int k = 0; k < oldKeys.Length; k++)
                        if (oldKeys[k] != 0)
                        {
                            int j = Slot(s_pageIndex[id], oldKeys[k] - 1);
                            s_pageIndex[id][j] = oldKeys[k];
                            s_pagePhys[id][j] = oldPhys[k];
                        }
                    Runtime.Allocator.Free(oldKeys); Runtime.Allocator.Free(oldPhys);
                }
            }
            int i = Slot(s_pageIndex[id], index);
            if (s_pageIndex[id][i] == 0) s_pageCount[id]++;
            s_pageIndex[id][i] = index + 1;
            s_pagePhys[id][i] = phys;
        }
    }
}
