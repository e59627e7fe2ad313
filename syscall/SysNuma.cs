// NUMA memory policy calls, as a Linux kernel with NUMA support answers them on a machine with one
// node (node 0): policies are validated and remembered per process (get_mempolicy reports them),
// every page is on node 0, and nothing ever moves. Per-range (mbind) policies are kept on the
// regions (Vma.Policy): get_mempolicy(MPOL_F_ADDR) reports them and set_mempolicy_home_node checks them.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal static unsafe class SysNuma
    {
        private const int MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_BIND = 2, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4,
            MPOL_PREFERRED_MANY = 5, MPOL_WEIGHTED_INTERLEAVE = 6, MPOL_MAX = 7;
        private const int MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_NUMA_BALANCING = 1 << 13,
            ModeFlags = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
        private const int MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
        private const int MPOL_MF_STRICT = 1, MPOL_MF_MOVE = 2, MPOL_MF_MOVE_ALL = 4;
        private const ulong MaxNodeBits = 1024;              // CONFIG_NODES_SHIFT=10: what a nodemask may span

        /// <summary>Reads a user nodemask of <paramref name="maxnode"/> bits (Linux drops the last bit, a historical off-by-one).</summary>
        private static long ReadNodes(ulong user, ulong maxnode, out ulong nodes)
        {
            nodes = 0;
            if (maxnode > 0) maxnode--;
            if (user == 0 || maxnode == 0) return 0;
            if (maxnode > 8 * 4096) return -Errno.EINVAL;
            ulong words = (maxnode + 63) / 64;
            for (ulong w = 0; w < words; w++)
            {
                if (UserMemory.Read(user + w * 8, out ulong v) != 0) return -Errno.EFAULT;
                ulong bits = maxnode - w * 64;
                if (bits < 64) v &= (1UL << (int)bits) - 1;
                if (w == 0) nodes = v;
                else if (v != 0) return -Errno.EINVAL;           // a node beyond 63 exists nowhere
            }
            return 0;
        }

        /// <summary>The policy a mode and nodemask make (mode with its flags), or -EINVAL as Linux's mpol_new checks.</summary>
        private static long Validate(int mode, ulong nodes, out int stored)
        {
            stored = mode;
            int m = mode & ~ModeFlags;
            if (m < 0 || m >= MPOL_MAX) return -Errno.EINVAL;
            if ((mode & MPOL_F_STATIC_NODES) != 0 && (mode & MPOL_F_RELATIVE_NODES) != 0) return -Errno.EINVAL;
            if (m == MPOL_DEFAULT || m == MPOL_LOCAL) return nodes != 0 || (mode & ModeFlags) != 0 ? -Errno.EINVAL : 0;
            if (m == MPOL_PREFERRED && nodes == 0)
            {
                if ((mode & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) != 0) return -Errno.EINVAL;
                stored = MPOL_LOCAL;                              // preferred with no node is local allocation
                return 0;
            }
            if (nodes == 0 || (nodes & ~1UL) != 0) return -Errno.EINVAL;   // only node 0 exists
            return 0;
        }

        public static long SetMempolicy(SyscallFrame* f)
        {
            long r = ReadNodes(f->A1, f->A2, out ulong nodes);
            if (r < 0) return r;
            r = Validate((int)f->A0, nodes, out int mode);
            if (r < 0) return r;
            Process p = Process.Current;
            p.MemPolicy = mode;
            p.MemPolicyNodes = (mode & ~ModeFlags) == MPOL_DEFAULT || (mode & ~ModeFlags) == MPOL_LOCAL ? 0 : nodes;
            return 0;
        }

        private static long WriteNodes(ulong user, ulong maxnode, ulong nodes)
        {
            if (user == 0) return 0;
            if (maxnode < 1) return -Errno.EINVAL;
            ulong bytes = (maxnode + 63) / 64 * 8;
            if (bytes > 4096) bytes = 4096;
            if (UserMemory.Zero(user, bytes) != 0) return -Errno.EFAULT;
            return UserMemory.Write(user, nodes) != 0 ? -Errno.EFAULT : 0;
        }

        public static long GetMempolicy(SyscallFrame* f)
        {
            ulong modeAt = f->A0, maskAt = f->A1, maxnode = f->A2, addr = f->A3;
            int flags = (int)f->A4;
            if ((flags & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) != 0) return -Errno.EINVAL;
            if (maskAt != 0 && maxnode < 1) return -Errno.EINVAL;
            Process p = Process.Current;
            int mode;
            ulong nodes;
            if ((flags & MPOL_F_MEMS_ALLOWED) != 0)
            {
                if ((flags & (MPOL_F_NODE | MPOL_F_ADDR)) != 0) return -Errno.EINVAL;
                mode = 0;
                nodes = 1;
            }
            else if ((flags & MPOL_F_ADDR) != 0)
            {
                int policy = AddressSpace.PolicyAt(addr);
                if (policy < 0) return -Errno.EFAULT;
                if (policy == 0) { mode = MPOL_DEFAULT; nodes = 0; }        // no range policy: Linux reports the default
                else
                {
                    mode = policy - 1;
                    int m = mode & ~ModeFlags;
                    nodes = m == MPOL_LOCAL ? 0UL : 1UL;
                }
                if ((flags & MPOL_F_NODE) != 0) mode = 0;         // the node of the page: the only one
            }
            else
            {
                if (addr != 0) return -Errno.EINVAL;
                if ((flags & MPOL_F_NODE) != 0)
                {
                    if ((p.MemPolicy & ~ModeFlags) != MPOL_INTERLEAVE) return -Errno.EINVAL;
                    mode = 0;                                     // the next interleave node: the only one
                }
                else mode = p.MemPolicy;
                nodes = p.MemPolicyNodes;
            }
            if (modeAt != 0 && UserMemory.Write(modeAt, mode) != 0) return -Errno.EFAULT;
            return WriteNodes(maskAt, maxnode, nodes);
        }

        public static long Mbind(SyscallFrame* f)
        {
            ulong addr = f->A0, len = f->A1;
            int flags = (int)f->A5;
            if ((flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0) return -Errno.EINVAL;
            if ((addr & 4095) != 0) return -Errno.EINVAL;
            long r = ReadNodes(f->A3, f->A4, out ulong nodes);
            if (r < 0) return r;
            r = Validate((int)f->A2, nodes, out int mode);
            if (r < 0) return r;
            ulong end = addr + AddressSpace.PageUp(len);
            if (end < addr) return -Errno.EINVAL;
            if (end == addr) return 0;
            if (!AddressSpace.IsMapped(addr, end - addr)) return -Errno.EFAULT;
            // MPOL_DEFAULT removes the range's policy (Linux: a NULL vma policy).
            AddressSpace.SetPolicy(addr, end, (mode & ~ModeFlags) == MPOL_DEFAULT ? 0 : mode + 1);
            return 0;
        }

        /// <summary>
        /// set_mempolicy_home_node(start, len, home_node, flags), as Linux checks it: every region of the
        /// range that has an mbind policy must be MPOL_BIND or MPOL_PREFERRED_MANY (EOPNOTSUPP), and
        /// when none has one the answer is ENOENT. The home node can only be node 0 here: nothing to record.
        /// </summary>
        public static long SetMempolicyHomeNode(SyscallFrame* f)
        {
            ulong start = f->A0, len = f->A1, home = f->A2, flags = f->A3;
            if ((start & 4095) != 0 || flags != 0) return -Errno.EINVAL;
            if (home >= MaxNodeBits || home != 0) return -Errno.EINVAL;     // beyond MAX_NUMNODES or not online
            ulong end = start + AddressSpace.PageUp(len);
            if (end < start) return -Errno.EINVAL;
            if (end == start) return 0;
            long err = -Errno.ENOENT;
            for (int i = AddressSpace.FirstAfter(start); i < AddressSpace.RegionCount; i++)
            {
                ref Vma v = ref AddressSpace.Region(i);
                if (v.Start >= end) break;
                if (v.Policy == 0) continue;
                int m = (v.Policy - 1) & ~ModeFlags;
                if (m != MPOL_BIND && m != MPOL_PREFERRED_MANY) return -Errno.EOPNOTSUPP;
                err = 0;
            }
            return err;
        }

        private static long Target(int pid) => pid < 0 ? -Errno.ESRCH : pid == 0 || Process.Find(pid) != null ? 0 : -Errno.ESRCH;

        public static long MigratePages(SyscallFrame* f)
        {
            long r = Target((int)f->A0);
            if (r < 0) return r;
            r = ReadNodes(f->A2, f->A1, out ulong from);
            if (r < 0) return r;
            r = ReadNodes(f->A3, f->A1, out ulong to);
            if (r < 0) return r;
            return (to & ~1UL) != 0 ? -Errno.EINVAL : 0;           // nothing to move: 0 pages left behind
        }

        /// <summary>move_pages: with nodes, each page "moves" to node 0 (another node: ENODEV); without, reports where each page is.</summary>
        public static long MovePages(SyscallFrame* f)
        {
            int pid = (int)f->A0;
            ulong count = f->A1, pages = f->A2, nodesAt = f->A3, statusAt = f->A4;
            int flags = (int)f->A5;
            if ((flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) != 0) return -Errno.EINVAL;
            long r = Target(pid);
            if (r < 0) return r;
            if (pid != 0 && pid != Process.Current.Pid) return -Errno.EPERM;   // another process's memory is not reachable from here
            for (ulong i = 0; i < count; i++)
            {
                if (UserMemory.Read(pages + i * 8, out ulong va) != 0) return -Errno.EFAULT;
                if (nodesAt != 0)
                {
                    if (UserMemory.Read(nodesAt + i * 4, out int node) != 0) return -Errno.EFAULT;
                    if (node != 0) return -Errno.ENODEV;
                }
                int status = AddressSpace.Find(va) < 0 ? -Errno.EFAULT : PageTable.Lookup(va & ~4095UL, out _) != 0 ? 0 : -Errno.ENOENT;
                if (UserMemory.Write(statusAt + i * 4, status) != 0) return -Errno.EFAULT;
            }
            return 0;
        }
    }
}
