// Credentials (Linux's struct cred) and the permission checks that read them. As on Linux they
// belong to a thread, and a set* call replaces the caller's object rather than changing it:
// threads and children created since share the old one by reference (Refs), so fork and clone
// copy nothing. glibc and musl make set*id process-wide by repeating the call in every thread.
using Kernel.Vfs;

namespace Kernel
{
    /// <summary>Capability numbers (linux/capability.h) and masks.</summary>
    internal static class Cap
    {
        public const int CHOWN = 0, DAC_OVERRIDE = 1, DAC_READ_SEARCH = 2, FOWNER = 3, FSETID = 4, KILL = 5,
            SETGID = 6, SETUID = 7, SETPCAP = 8, LINUX_IMMUTABLE = 9, NET_BIND_SERVICE = 10, IPC_LOCK = 14, IPC_OWNER = 15, SYS_CHROOT = 18, SYS_PTRACE = 19, SYS_PACCT = 20, SYS_ADMIN = 21, SYS_BOOT = 22, SYS_NICE = 23,
            SYS_RESOURCE = 24, SYS_TIME = 25, MKNOD = 27, SYSLOG = 34, MAC_OVERRIDE = 32, Last = 40;
        public const ulong All = (1UL << (Last + 1)) - 1;
        // The capabilities an fsuid change from or to 0 takes away or gives back (CAP_FS_MASK).
        public const ulong FsMask = 1UL << CHOWN | 1UL << MKNOD | 1UL << DAC_OVERRIDE | 1UL << DAC_READ_SEARCH |
            1UL << FOWNER | 1UL << FSETID | 1UL << LINUX_IMMUTABLE | 1UL << MAC_OVERRIDE;
        public static bool Valid(ulong cap) => cap <= Last;
    }

    internal sealed class Credentials
    {
        public uint Uid, Euid, Suid, Fsuid, Gid, Egid, Sgid, Fsgid;
        public uint[] Groups;                   // supplementary groups, sorted (as setgroups leaves them); never changed once set
        public ulong CapInh, CapPrm, CapEff, CapBnd, CapAmb;
        public uint Securebits;
        public int Refs;                        // threads holding this object

        public const uint SECBIT_NOROOT = 1, SECBIT_NO_SETUID_FIXUP = 4, SECBIT_KEEP_CAPS = 16, SECBIT_KEEP_CAPS_LOCKED = 32,
            SECBIT_NO_CAP_AMBIENT_RAISE = 64;
        public const int NgroupsMax = 65536;

        public static readonly uint[] NoGroups = new uint[0];

        /// <summary>init's: uid 0 with every capability (the boot process and everything it starts).</summary>
        public static readonly Credentials Root = new Credentials
        {
            Groups = NoGroups, CapPrm = Cap.All, CapEff = Cap.All, CapBnd = Cap.All, Refs = 1 << 30,
        };

        public static Credentials Current
        {
            get
            {
                Thread t = Thread.Current;
                return t == null || t.Cred == null ? Root : t.Cred;     // the kernel itself, before the first thread
            }
        }

        /// <summary>A process's credentials: its leader's (any thread's once the leader is gone).</summary>
        public static Credentials Of(Process p)
        {
            Thread t = p.FindThread(p.Pid) ?? p.Threads;
            return t != null && t.Cred != null ? t.Cred : Root;
        }

        /// <summary>A private copy for a set* call to change and then Commit (null when out of memory).</summary>
        public Credentials Copy()
        {
            var c = new Credentials();
            c.Uid = Uid; c.Euid = Euid; c.Suid = Suid; c.Fsuid = Fsuid;
            c.Gid = Gid; c.Egid = Egid; c.Sgid = Sgid; c.Fsgid = Fsgid;
            c.Groups = Groups;
            c.CapInh = CapInh; c.CapPrm = CapPrm; c.CapEff = CapEff; c.CapBnd = CapBnd; c.CapAmb = CapAmb;
            c.Securebits = Securebits;
            return c;
        }

        /// <summary>Makes <paramref name="c"/> the calling thread's credentials (commit_creds).</summary>
        public static void Commit(Credentials c)
        {
            Thread t = Thread.Current;
            Credentials old = t.Cred;
            // A process that changed identity may hold what its new user must not read (commit_creds: suid_dumpable 0).
            if (old.Euid != c.Euid || old.Egid != c.Egid || old.Fsuid != c.Fsuid || old.Fsgid != c.Fsgid || (c.CapPrm & ~old.CapPrm) != 0)
                t.Process.Dumpable = 0;
            c.Refs++;
            t.Cred = c;
            Release(old);
        }

        public static void Hold(Credentials c) => c.Refs++;

        public static void Release(Credentials c)
        {
            // A groups array is shared by every copy made after its setgroups and is not counted:
            // it stays (one small array per setgroups call).
            if (c == null || --c.Refs > 0) return;
            Runtime.Allocator.Free(c);
        }

        public bool Capable(int cap) => (CapEff & (1UL << cap)) != 0;

        /// <summary>in_group_p: the fs group or a supplementary group.</summary>
        public bool InGroup(uint gid)
        {
            if (gid == Fsgid) return true;
            return InSupplementary(gid);
        }

        public bool InSupplementary(uint gid)
        {
            uint[] g = Groups;
            int lo = 0, hi = g.Length - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                if (g[mid] == gid) return true;
                if (g[mid] < gid) lo = mid + 1; else hi = mid - 1;
            }
            return false;
        }

        /// <summary>Linux's cap_emulate_setxuid: what a change of real, effective or saved uid does to the capabilities.</summary>
        public void FixupSetuid(Credentials old)
        {
            if ((Securebits & SECBIT_NO_SETUID_FIXUP) != 0) return;
            if ((old.Uid == 0 || old.Euid == 0 || old.Suid == 0) && Uid != 0 && Euid != 0 && Suid != 0)
            {
                if ((Securebits & SECBIT_KEEP_CAPS) == 0) { CapPrm = 0; CapEff = 0; }
                CapAmb = 0;
            }
            if (old.Euid == 0 && Euid != 0) CapEff = 0;
            if (old.Euid != 0 && Euid == 0) CapEff = CapPrm;
        }

        /// <summary>The fs capabilities follow fsuid 0 (setfsuid, and access's temporary switch).</summary>
        public void FixupSetfsuid(uint oldFsuid)
        {
            if ((Securebits & SECBIT_NO_SETUID_FIXUP) != 0) return;
            if (oldFsuid == 0 && Fsuid != 0) CapEff &= ~Cap.FsMask;
            if (oldFsuid != 0 && Fsuid == 0) CapEff |= CapPrm & Cap.FsMask;
        }
    }

    /// <summary>Who may look into or control another process (kernel/ptrace.c __ptrace_may_access).</summary>
    internal static class TaskAccess
    {
        /// <summary>
        /// The caller's own process; else all of the target's uids and gids are the caller's real ones
        /// (fs ones when <paramref name="fsCreds"/>) and the target is dumpable; or CAP_SYS_PTRACE.
        /// </summary>
        public static bool May(Thread target, bool fsCreds)
        {
            if (target.Process == Process.Current) return true;
            Credentials c = Credentials.Current, t = target.Cred;
            if (t == null) return true;
            uint uid = fsCreds ? c.Fsuid : c.Uid, gid = fsCreds ? c.Fsgid : c.Gid;
            bool cap = c.Capable(Cap.SYS_PTRACE);
            bool same = uid == t.Euid && uid == t.Suid && uid == t.Uid && gid == t.Egid && gid == t.Sgid && gid == t.Gid;
            if (!same && !cap) return false;
            return target.Process.Dumpable == 1 || cap;
        }

        public static bool May(Process p, bool fsCreds)
        {
            Thread t = p.FindThread(p.Pid) ?? p.Threads;
            return t == null || May(t, fsCreds);
        }
    }

    /// <summary>
    /// Linux's file permission rules (fs/namei.c generic_permission, fs/attr.c, security/commoncap.c)
    /// for the calling thread's credentials. Each returns 0 or a negative errno.
    /// </summary>
    internal static class Perm
    {
        public const int MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

        /// <summary>generic_permission: the owner, group or other bits by fsuid/fsgid and the groups, then the DAC capabilities.</summary>
        public static int Check(Credentials c, Inode n, int mask)
        {
            uint mode = n.Mode;
            OwnerOf(n, out uint uid, out uint gid);
            if (c.Fsuid == uid) mode >>= 6;
            else if (c.InGroup(gid)) mode >>= 3;
            if ((mask & ~(int)mode & 7) == 0) return 0;
            if (n.IsDirectory)
            {
                if ((mask & MAY_WRITE) == 0 && c.Capable(Cap.DAC_READ_SEARCH)) return 0;
                return c.Capable(Cap.DAC_OVERRIDE) ? 0 : -Errno.EACCES;
            }
            // Root may run a file only if someone may: some x bit must be set.
            if (((mask & MAY_EXEC) == 0 || (n.Mode & 0x49) != 0) && c.Capable(Cap.DAC_OVERRIDE)) return 0;
            if ((mask & 7) == MAY_READ && c.Capable(Cap.DAC_READ_SEARCH)) return 0;
            return -Errno.EACCES;
        }

        public static int Check(Inode n, int mask) => Check(Credentials.Current, n, mask);

        /// <summary>
        /// A node's owner: its own, but a /proc/PID file belongs to the process's effective user and
        /// group while it is dumpable, else to root (Linux's task_dump_owner).
        /// </summary>
        public static void OwnerOf(Inode n, out uint uid, out uint gid)
        {
            uid = n.Uid; gid = n.Gid;
            if (!(n is SpecialInode)) return;
            Process p = n is Fs.ProcessFile pf ? (pf.Self ? Process.Current : pf.Owner) :
                        n is Fs.ProcessMemFile pm ? (pm.Self ? Process.Current : pm.Owner) :
                        n is Fs.GeneratedFile && n.Parent == Fs.Devices.ProcSelf ? Process.Current : null;   // /proc/self's own files
            if (p == null || p.Dumpable != 1) return;
            Credentials c = Credentials.Of(p);
            uid = c.Euid; gid = c.Egid;
        }

        /// <summary>The walk's search permission on each directory (FileSystem.MayLookup).</summary>
        public static int Lookup(Inode dir)
        {
            Credentials c = Credentials.Current;
            // Fast path: the owner's, group's and others' x bits all set, or root's override.
            if ((dir.Mode & 0x49) == 0x49 || c.Capable(Cap.DAC_READ_SEARCH) || c.Capable(Cap.DAC_OVERRIDE)) return 0;
            return Check(c, dir, MAY_EXEC);
        }

        /// <summary>inode_owner_or_capable: the owner by fsuid, or CAP_FOWNER.</summary>
        public static bool OwnerOrCapable(Inode n)
        {
            Credentials c = Credentials.Current;
            OwnerOf(n, out uint uid, out _);
            return c.Fsuid == uid || c.Capable(Cap.FOWNER);
        }

        /// <summary>may_create: write and search on the directory (an existing name is the operation's EEXIST first).</summary>
        public static int MayCreate(Inode dir, System.ReadOnlySpan<byte> name)
        {
            if (dir == null || !dir.IsDirectory || FileSystem.Lookup(dir, name) != null) return 0;
            return Check(dir, MAY_WRITE | MAY_EXEC);
        }

        /// <summary>
        /// may_delete: write and search on the directory (EACCES), and in a sticky directory only the
        /// owner of the file or of the directory, or CAP_FOWNER (EPERM). A missing name is the operation's ENOENT.
        /// </summary>
        public static int MayDelete(Inode dir, System.ReadOnlySpan<byte> name)
        {
            if (dir == null || !dir.IsDirectory) return 0;
            Inode victim = FileSystem.Lookup(dir, name);
            if (victim == null) return 0;
            return MayDelete(dir, victim);
        }

        public static int MayDelete(Inode dir, Inode victim)
        {
            int r = Check(dir, MAY_WRITE | MAY_EXEC);
            if (r < 0) return r;
            Credentials c = Credentials.Current;
            if ((dir.Mode & 0x200) != 0 && victim.Uid != c.Fsuid && dir.Uid != c.Fsuid && !c.Capable(Cap.FOWNER)) return -Errno.EPERM;
            return 0;
        }

        /// <summary>inode_init_owner: a new node belongs to fsuid and fsgid, or to a set-group-ID directory's group (a new directory inherits S_ISGID).</summary>
        public static void InitOwner(Inode dir, Inode n)
        {
            Credentials c = Credentials.Current;
            n.Uid = c.Fsuid;
            if (dir != null && (dir.Mode & 0x400) != 0)
            {
                n.Gid = dir.Gid;
                if (n.IsDirectory) n.Mode |= 0x400;
                else if ((n.Mode & 0x408) == 0x408 && !c.InGroup(n.Gid) && !c.Capable(Cap.FSETID)) n.Mode &= ~0x400u;
            }
            else n.Gid = c.Fsgid;
        }

        /// <summary>
        /// file_remove_privs: writing or truncating a regular file without CAP_FSETID clears S_ISUID,
        /// and S_ISGID when the group may execute it or the writer is not in the group
        /// (setattr_should_drop_suidgid).
        /// </summary>
        public static void RemovePrivs(Inode n)
        {
            if ((n.Mode & 0xC00) == 0 || !n.IsRegular) return;
            Credentials c = Credentials.Current;
            if (c.Capable(Cap.FSETID)) return;
            if ((n.Mode & 0x400) != 0 && ((n.Mode & 0x8) != 0 || !c.InGroup(n.Gid))) n.Mode &= ~0x400u;
            n.Mode &= ~0x800u;
        }

        /// <summary>What a mode for a new file keeps of S_ISGID: the caller must be in the file's group or hold CAP_FSETID (mode_strip_sgid).</summary>
        public static uint StripSgid(Inode dir, uint mode)
        {
            if ((mode & 0x408) != 0x408 || (mode & Inode.S_IFMT) == Inode.S_IFDIR || dir == null || (dir.Mode & 0x400) == 0) return mode;
            Credentials c = Credentials.Current;
            return c.InGroup(dir.Gid) || c.Capable(Cap.FSETID) ? mode : mode & ~0x400u;
        }
    }
}
