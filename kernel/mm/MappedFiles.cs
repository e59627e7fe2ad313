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

        /// <summary>A new reference to <paramref name="node"/>; the id is shared by all mappings of it.</summary>
        public static int Add(Inode node)
        {
            if (s_files == null)
            {
                s_files = new Inode[256]; s_refs = new int[256];
                s_pageIndex = new ulong[256][]; s_pagePhys = new ulong[256][]; s_pageCount = new int[256];
            }
            int free = -1;
            for (int i = 1; i < s_files.Length; i++)
            {
                if (s_files[i] == node) { s_refs[i]++; return i; }
                if (s_files[i] == null && free < 0) free = i;
            }
            if (free < 0) return 0;
            s_files[free] = node;
            s_refs[free] = 1;
            node.OpenRef();
            return free;
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
