// name_to_handle_at / open_by_handle_at: file handles for the in-memory tree. The tree answers as
// tmpfs does (shmem's export operations): a handle is 12 bytes of type FILEID_INO32_GEN (1):
// the generation, then the 64-bit inode number in two halves. Inode numbers are never reused here
// and the generation guards the handle anyway: a handle whose file is gone (unlinked and no
// longer open anywhere) gives ESTALE. /proc and
// /sys, as on Linux, encode only non-decodable handles (AT_HANDLE_FID) and decode none. Everything
// runs as root (CAP_DAC_READ_SEARCH), so any handle may be opened.
using Kernel.Fs;
using Kernel.Memory;
using Kernel.Vfs;

namespace Kernel.Syscalls
{
    internal static unsafe class SysHandle
    {
        private const int AT_HANDLE_MNT_ID_UNIQUE = 0x001, AT_HANDLE_CONNECTABLE = 0x002, AT_HANDLE_FID = 0x200;
        private const int MAX_HANDLE_SZ = 128, FILEID_INO32_GEN = 1, FILEID_INVALID = 0xFF;
        private const uint FILEID_USER_FLAGS_MASK = 0xFFFF0000, FILEID_VALID_USER_FLAGS = 0x30000;   // IS_CONNECTABLE | IS_DIR
        private const int HandleWords = 3;

        private struct FileHandleHeader { public uint HandleBytes; public int HandleType; }

        /// <summary>Which file system a node is on: 0 the tree (tmpfs-like), 1 /proc, 2 /sys (no file handles there).</summary>
        private static int FsOf(Inode n)
        {
            for (int depth = 0; n != null && depth < 4096; depth++, n = n.Parent)
            {
                if (n == Devices.Proc) return 1;
                if (n == Devices.Sys) return 2;
                if (n == FileSystem.Root) return 0;
            }
            return 0;
        }

        public static long NameToHandleAt(SyscallFrame* f)
        {
            int dirfd = (int)f->A0, flags = (int)f->A4;
            ulong userHandle = f->A2, mntIdAt = f->A3;
            if ((flags & ~(SysFile.AT_SYMLINK_FOLLOW | SysFile.AT_EMPTY_PATH | AT_HANDLE_FID | AT_HANDLE_MNT_ID_UNIQUE | AT_HANDLE_CONNECTABLE)) != 0)
                return -Errno.EINVAL;
            // A FID is not meant to be decoded, a connectable handle is: the two conflict, and an empty
            // path may name a node whose parent is unknown.
            if ((flags & AT_HANDLE_CONNECTABLE) != 0 && (flags & (AT_HANDLE_FID | SysFile.AT_EMPTY_PATH)) != 0) return -Errno.EINVAL;
            int r = SysFile.Lookup(dirfd, f->A1, (flags & SysFile.AT_SYMLINK_FOLLOW) != 0, (flags & SysFile.AT_EMPTY_PATH) != 0, out Inode node);
            if (r < 0) return r;
            // tmpfs decodes handles but has no fh_to_parent (no connectable ones); /proc and /sys only give FIDs.
            if ((flags & AT_HANDLE_CONNECTABLE) != 0) return -Errno.EOPNOTSUPP;
            if ((flags & AT_HANDLE_FID) == 0 && FsOf(node) != 0) return -Errno.EOPNOTSUPP;
            if (UserMemory.Read(userHandle, out FileHandleHeader h) != 0) return -Errno.EFAULT;
            if (h.HandleBytes > MAX_HANDLE_SZ) return -Errno.EINVAL;
            long ret = 0;
            uint* words = stackalloc uint[HandleWords];
            FileHandleHeader result;
            result.HandleBytes = HandleWords * 4;
            int copyWords = HandleWords;
            if (h.HandleBytes / 4 < HandleWords)
            {
                // Too small: the size needed goes back with FILEID_INVALID, and no handle bytes.
                result.HandleType = FILEID_INVALID;
                copyWords = 0;
                ret = -Errno.EOVERFLOW;
            }
            else
            {
                result.HandleType = FILEID_INO32_GEN;
                words[0] = node.Generation;
                words[1] = (uint)node.Ino;
                words[2] = (uint)(node.Ino >> 32);
            }
            Mount mount = FileSystem.MountOf(node);
            int mountId = mount != null ? mount.Id : 0;      // the id /proc/self/mountinfo and fdinfo show
            long w = (flags & AT_HANDLE_MNT_ID_UNIQUE) != 0 ? UserMemory.Write(mntIdAt, (ulong)mountId) : UserMemory.Write(mntIdAt, mountId);
            if (w != 0) return -Errno.EFAULT;
            if (UserMemory.Write(userHandle, result) != 0) return -Errno.EFAULT;
            if (copyWords != 0 && UserMemory.CopyTo(userHandle + 8, words, (ulong)copyWords * 4) != 0) return -Errno.EFAULT;
            return ret;
        }

        public static long OpenByHandleAt(SyscallFrame* f)
        {
            int mountfd = (int)f->A0, flags = (int)f->A2;
            ulong userHandle = f->A1;
            if (UserMemory.Read(userHandle, out FileHandleHeader h) != 0) return -Errno.EFAULT;
            if (h.HandleBytes > MAX_HANDLE_SZ || h.HandleBytes == 0) return -Errno.EINVAL;
            uint type = (uint)h.HandleType;
            if (h.HandleType < 0 || ((type & FILEID_USER_FLAGS_MASK) & ~FILEID_VALID_USER_FLAGS) != 0) return -Errno.EINVAL;
            // The mount the handle is decoded on: the mount fd's (any open descriptor) or the cwd's.
            Inode anchor;
            if (mountfd == SysFile.AT_FDCWD) anchor = Process.Current.Cwd;
            else
            {
                File mf = mountfd >= 0 ? FdTable.Get(mountfd) : null;
                if (mf == null) return -Errno.EBADF;
                anchor = mf.Node;
            }
            uint* words = stackalloc uint[MAX_HANDLE_SZ / 4];
            if (UserMemory.CopyFrom(words, userHandle + 8, h.HandleBytes) != 0) return -Errno.EFAULT;
            ulong n = h.HandleBytes / 4;
            // A descriptor that is not of the tree (a pipe, a socket) or /proc and /sys cannot decode.
            if (anchor == null || FsOf(anchor) != 0) return -Errno.ESTALE;
            if (n < HandleWords) return -Errno.ESTALE;                  // shmem_fh_to_dentry: too short
            ulong ino = (ulong)words[2] << 32 | words[1];
            Inode node = FileSystem.FindByIno(ino) ?? FindOpen(ino);
            if (node == null || node.Generation != words[0] || FsOf(node) != 0) return -Errno.ESTALE;
            if ((type & 0x20000) != 0 && !node.IsDirectory) return -Errno.ESTALE;   // FILEID_IS_DIR: a directory was encoded
            if ((type & 0x10000) != 0 && !Beneath(node, anchor)) return -Errno.ESTALE;   // connectable: inside the mount fd's subtree
            // file_open_root(path, ""): as open of the node itself; a symlink only with O_PATH (ELOOP).
            if ((flags & OpenFlags.O_PATH) == 0) flags |= OpenFlags.O_LARGEFILE;
            if (node.IsSymlink && (flags & OpenFlags.O_PATH) == 0) return -Errno.ELOOP;
            return SysFile.OpenNode(node, flags);
        }

        /// <summary>A node no name reaches but something still holds open (Linux keeps it in the inode cache), or null.</summary>
        private static Inode FindOpen(ulong ino)
        {
            for (Process q = Process.First; q != null; q = q.AllNext)
            {
                if (q.Cwd != null && q.Cwd.Ino == ino) return q.Cwd;
                FileTable ft = q.Files;
                if (ft == null) continue;
                for (int fd = 0; fd < ft.Size; fd++)
                {
                    File f = ft.Files[fd];
                    if (f != null && f.Node != null && f.Node.Ino == ino) return f.Node;
                }
            }
            return null;
        }

        private static bool Beneath(Inode n, Inode dir)
        {
            for (int depth = 0; n != null && depth < 4096; depth++, n = n.Parent) if (n == dir) return true;
            return false;
        }
    }
}
