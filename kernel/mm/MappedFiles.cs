// Files that back memory mappings. A VMA refers to its file by a small id (VMAs are plain structs
// in an unmanaged array, so they cannot hold object references); each mapping holds one reference.
using Kernel.Vfs;

namespace Kernel.Memory
{
    internal static class MappedFiles
    {
        private static Inode[] s_files;
        private static int[] s_refs;

        public static Inode Get(int id) => id > 0 && s_files != null && id < s_files.Length ? s_files[id] : null;

        /// <summary>A new reference to <paramref name="node"/>; the id is shared by all mappings of it.</summary>
        public static int Add(Inode node)
        {
            if (s_files == null) { s_files = new Inode[256]; s_refs = new int[256]; }
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

        public static void Release(int id)
        {
            Inode node = Get(id);
            if (node == null || --s_refs[id] > 0) return;
            s_files[id] = null;
            node.CloseRef();
        }
    }
}
