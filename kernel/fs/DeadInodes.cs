// Inodes of deleted files, symlinks and directories (Inode.Collectable). A node is dead once it has
// no name, no open file, no cwd, no mapping and no inotify watch (all of which hold an OpenRef) and
// no node names it as Parent (a removed directory's children and ".."), but the code that dropped the
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

        /// <summary>At the end of a syscall: frees every buried node still dead (one given a name, an open
        /// file or a child again is kept); a parent directory that this leaves dead goes too.</summary>
        public static void Collect()
        {
            while (s_head != null)
            {
                Inode n = s_head;
                s_head = n.NextDead;
                n.NextDead = null;
                if (n.Nlink != 0 || n.OpenCount > 0 || n.Children > 0) { n.Buried = false; continue; }
                Inode parent = FileSystem.Forget(n);
                Runtime.Allocator.Free(n);
                Freed++;
                parent?.Release();                                // a removed parent whose last child this was is buried in turn
            }
        }

        /// <summary>A kernel-made node just unlinked (/proc/PID/..., /dev/pts/N): freed with the rest when nothing holds it.</summary>
        public static void Drop(Inode n)
        {
            n.Transient = true;
            n.Release();
        }

        public static bool Any => s_head != null;
    }
}
