// Inodes of deleted regular files and symlinks. A node is dead once it has no name, no open file,
// no mapping and no inotify watch (all of which hold an OpenRef), but the code that dropped the
// last reference may still be looking at it (unlink notifies inotify after the VFS let go), so
// the object is freed at the end of the syscall: no kernel code keeps an uncounted pointer to a
// regular file's inode across a syscall's end or a sleep (path walks never block, and the calls
// that sleep hold a descriptor or an OpenRef).
using Kernel.Vfs;

namespace Kernel.Fs
{
    internal static class DeadInodes
    {
        private static Inode s_head;
        public static ulong Freed;

        /// <summary>VfsMemory.Dead: remember <paramref name="node"/> until the syscall ends.</summary>
        public static void Bury(Inode node)
        {
            node.NextDead = s_head;
            s_head = node;
        }

        /// <summary>At the end of a syscall: frees every buried node still dead (one given a name or an open file again is kept).</summary>
        public static void Collect()
        {
            while (s_head != null)
            {
                Inode n = s_head;
                s_head = n.NextDead;
                n.NextDead = null;
                if (n.Nlink != 0 || n.OpenCount > 0) { n.Buried = false; continue; }
                Runtime.Allocator.Free(n);
                Freed++;
            }
        }

        public static bool Any => s_head != null;
    }
}
