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

        /// <summary>The tables at <paramref name="n"/> entries (the ids in use keep their places).</summary>
        private static bool Grow(int n)
        {
            var files = new Inode[n];
            var refs = new int[n];
            var pageIndex = new ulong[n][];
            var pagePhys = new ulong[n][];
            var pageCount = new int[n];
            if (files == null || refs == null || pageIndex == null || pagePhys == null || pageCount == null) return false;
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
            for (int i = 0; i < s_pageCount[id]; i++) Mm.Pages.Free(s_pagePhys[id][i]);
            s_pageCount[id] = 0;
            s_files[id] = null;
            if (id < s_freeHint) s_freeHint = id;
            if (node.MappedId == id) node.MappedId = 0;
            node.CloseRef();
        }

        /// <summary>The frame caching page <paramref name="index"/> of the file for shared mappings, or 0.</summary>
        public static ulong CachedPage(int id, ulong index)
        {
            if (Get(id) == null) return 0;
            for (int i = 0; i < s_pageCount[id]; i++) if (s_pageIndex[id][i] == index) return s_pagePhys[id][i];
            return 0;
        }

        public static void AddPage(int id, ulong index, ulong phys)
        {
            if (s_pageIndex[id] == null || s_pageCount[id] == s_pageIndex[id].Length)
            {
                int n = s_pageIndex[id] == null ? 16 : s_pageIndex[id].Length * 2;
                var idx = new ulong[n];
                var ph = new ulong[n];
                for (int i = 0; i < s_pageCount[id]; i++) { idx[i] = s_pageIndex[id][i]; ph[i] = s_pagePhys[id][i]; }
                if (s_pageIndex[id] != null) { Runtime.Allocator.Free(s_pageIndex[id]); Runtime.Allocator.Free(s_pagePhys[id]); }
                s_pageIndex[id] = idx;
                s_pagePhys[id] = ph;
            }
            s_pageIndex[id][s_pageCount[id]] = index;
            s_pagePhys[id][s_pageCount[id]] = phys;
            s_pageCount[id]++;
        }
    }
}
