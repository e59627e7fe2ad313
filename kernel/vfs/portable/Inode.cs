// In-memory file system nodes. Portable: compiled into the kernel and into the host library
// (xunit tests). Only what the kernel's System module provides: no interfaces, collections,
// exceptions or string formatting. Errors are negative errno values (Kernel.Errno).
namespace Kernel.Vfs
{
    /// <summary>
    /// Memory for file data, directory entry names and symlink targets. The host tests point
    /// these at NativeMemory.AllocZeroed/Free, the kernel at its heap. <see cref="Alloc"/> must
    /// return zeroed memory (or null when out of memory). <see cref="FreeObject"/> is optional:
    /// when set (kernel: Allocator.Free) the VFS frees its internal directory-entry objects.
    /// </summary>
    public static unsafe class VfsMemory
    {
        public static delegate*<ulong, void*> Alloc;
        public static delegate*<void*, void> Free;
        public static delegate*<object, void> FreeObject;
        /// <summary>A node is dead (unlinked, closed, unmapped, unwatched, no node's Parent; see Inode.Collectable):
        /// the kernel frees the object once no code can still be using it (null: never, as in the host tests).</summary>
        public static delegate*<Inode, void> Dead;
        /// <summary>A node marked DeleteSelfPending lost its last user other than inotify watches
        /// (the kernel sends IN_DELETE_SELF then, as Linux does when the last dentry reference goes).</summary>
        public static delegate*<Inode, void> Unused;
    }

    /// <summary>One file, directory, symlink or special node (st_* fields live here).</summary>
    public unsafe class Inode
    {
        // st_mode type bits (<sys/stat.h>).
        public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000,
            S_IFBLK = 0x6000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;
        public const uint PermMask = 0xFFF;   // 07777: permissions + setuid/setgid/sticky

        public ulong Ino;
        public uint Generation;               // i_generation: file handles carry it with Ino (never reused here, but a handle must not name a stranger)
        public uint Mode;
        public uint Uid, Gid;
        public uint Nlink;
        public long Size;                     // bytes (regular file), target length (symlink)
        public long AtimeNs, MtimeNs, CtimeNs;
        public long BtimeNs;                  // creation (birth) time, statx's STATX_BTIME: set once
        public ulong Rdev;
        public int OpenCount;                 // open file descriptions (and cwd references) held by the kernel
        public object Writer;                 // the thread in a long write() of this file (the kernel's inode lock)
        public Inode NextDead;                // in the kernel's list of dead nodes waiting to be freed
        public bool Buried;                   // handed to VfsMemory.Dead (once)
        public Mount Mounted;                 // the mount covering this directory (the walk goes on at its root)
        public Mount RootOf;                  // the mount whose tree this directory is the root of (boot mounts, tmpfs)
        public bool MagicLink;                // a /proc link that names an open file (RESOLVE_NO_MAGICLINKS refuses it)
        public byte* Xattrs;                  // extended attributes (FileSystem.SetXattr's packed records), or null
        public int XattrBytes;
        public int Children;                  // nodes whose Parent is this one: a removed directory lives while any does
        public byte* LastName;                // the name its last entry had once that went (readlink's "... (deleted)")
        public int LastNameLength;
        public bool Pinned;                   // the kernel keeps a pointer to it (/proc, /dev/pts ...): never freed
        public bool Transient;                // a kernel-made node (/proc/PID/...) freed like a file once removed and unused
        public int WatchCount;                // inotify watches on it (each also holds an OpenRef)
        public bool DeleteSelfPending;        // unlinked while open: IN_DELETE_SELF waits for the last close
        public bool Linkable;                 // an O_TMPFILE file (not O_EXCL): linkat may give it its first name
        public bool AnonymousMemory;          // backs MAP_SHARED|MAP_ANONYMOUS or System V shm: no end of file to fault past
        /// <summary>As Linux's i_writecount: above 0, descriptions open for writing; below 0, address
        /// spaces running this file as their program (writing it is ETXTBSY, and so is executing a
        /// file open for writing).</summary>
        public int WriteCount;
        public int MappedId;                  // its id in the kernel's table of mapped files (kernel/mm/MappedFiles.cs), 0 if none
        public int Seals;                     // memfd seals (kernel/fs/Seals.cs): F_SEAL_* bits, plus Seals.Sealable; 0 for other files

        // Regular file contents / symlink target, one of:
        // - contiguous (Chunks == null): bytes [0, min(Size, Capacity)) are stored at Data; bytes
        //   [Capacity, Size) read as zero (sparse tail). When DataOwned, the buffer (at most
        //   FileSystem.ChunkSize for a regular file) keeps its bytes [Size, Capacity) zero. When
        //   !DataOwned, Data points into read-only memory (the initrd: exec maps it without a copy)
        //   and the first write copies it.
        // - chunked (regular files only, once written past FileSystem.ChunkSize): Data is null and
        //   Chunks[i] (i < ChunkSlots) holds bytes [i*ChunkSize, (i+1)*ChunkSize), or is null for a
        //   hole that reads as zeros. Chunk bytes at or past Size are kept zero.
        public byte* Data;
        public long Capacity;
        public bool DataOwned;
        public byte** Chunks;
        public long ChunkSlots;

        // Directory: entries in insertion order, parent directory ("..").
        // Other nodes: Parent is the directory the node was last linked into (for GetPath).
        public Inode Parent;
        internal DirEntry First, Last;
        internal long NextSeq;                // sequence number of the next entry (readdir cookies)
        public int EntryCount;

        public uint Type => Mode & S_IFMT;
        public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
        public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
        public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
        public virtual bool IsSpecial => false;

        /// <summary>The kernel may free this node once it is unlinked, unopened and no other node's Parent.</summary>
        public bool Collectable => !Pinned && RootOf == null && Mounted == null &&
                                   (Transient || (!IsSpecial && (IsRegular || IsSymlink || IsDirectory)));

        /// <summary>Re-parents the node (link, rename, create), keeping the parents' Children counts.</summary>
        public void SetParent(Inode dir)
        {
            if (Parent == dir) return;
            if (dir != null) dir.Children++;
            Inode old = Parent;
            Parent = dir;
            if (old != null) { old.Children--; old.Release(); }
        }

        /// <summary>Another open file description (or cwd) refers to this node.</summary>
        public void OpenRef() { OpenCount++; }

        /// <summary>Drops an open reference; frees the data when the node is also unlinked.</summary>
        public void CloseRef()
        {
            if (OpenCount > 0) OpenCount--;
            if (DeleteSelfPending && OpenCount <= WatchCount && VfsMemory.Unused != null) VfsMemory.Unused(this);
            Release();
        }

        /// <summary>
        /// Frees the data buffer (file contents / symlink target) once the node is neither linked
        /// nor open. Safe to call any number of times. The Inode object itself stays valid until
        /// the kernel frees it at its next safe point (VfsMemory.Dead), once it is Collectable and
        /// no other node names it as Parent.
        /// </summary>
        public void Release()
        {
            if (Nlink != 0 || OpenCount > 0) return;
            if (VfsMemory.Free != null) FileSystem.FreeContents(this);
            FileSystem.FreeXattrs(this);
            Data = null;
            Capacity = 0;
            DataOwned = false;
            OnRelease();
            if (Children != 0) return;                        // a removed directory's children still name it
            if (LastName != null)                             // no open file or child can ask for its path any more
            {
                VfsMemory.Free(LastName);
                LastName = null;
                LastNameLength = 0;
            }
            if (VfsMemory.Dead != null) { if (!Buried && Collectable) { Buried = true; VfsMemory.Dead(this); } }
            else FileSystem.Forget(this)?.Release();          // never freed (host tests): let go of the parent at once
        }

        /// <summary>Hook for subclasses (called by Release when the node is dead).</summary>
        protected virtual void OnRelease() { }
    }

    /// <summary>
    /// A node whose contents are produced by code (/dev, /proc). FileSystem.Read/Write/Truncate
    /// dispatch to these methods. Set Mode (e.g. S_IFCHR | 0666, or S_IFREG | 0444) and Rdev,
    /// then insert with FileSystem.AddSpecial.
    /// </summary>
    public class SpecialInode : Inode
    {
        public override bool IsSpecial => true;
        public virtual long Read(long offset, System.Span<byte> dst) => -Errno.EINVAL;
        public virtual long Write(long offset, System.ReadOnlySpan<byte> src) => -Errno.EINVAL;
        public virtual int Truncate(long size) => -Errno.EINVAL;
    }

    /// <summary>A name in a directory. Doubly linked, in insertion order.</summary>
    internal unsafe class DirEntry
    {
        public DirEntry Next, Prev;
        public Inode Node;
        public byte* Name;                    // VfsMemory buffer, not NUL-terminated
        public int NameLength;
        public long Seq;                      // readdir position: cookie after this entry = Seq + 3
    }
}
