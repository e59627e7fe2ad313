// Keys and keyrings: add_key, request_key, keyctl. A key is a typed, described payload ("user",
// "logon") or a keyring (a list of links to keys). A process reaches keys through its anchors:
// the thread keyring (per thread, not inherited; a new thread of a thread that has one gets its
// own), the process keyring (shared by the threads, not inherited by fork), the session keyring
// (shared across fork and kept across execve) and the user's keyrings (_uid.0, _uid_ses.0; one
// user here: everything runs as root). Exec drops the thread and process keyrings, as Linux.
// Keys are reference-counted (a link, an anchor) and freed with the last reference; keyrings
// cannot form cycles (EDEADLK), so counting is enough. Every key counts against root's quota as
// Linux's defaults have it (/proc/sys/kernel/keys/root_maxkeys, root_maxbytes): EDQUOT beyond.
// Not modelled: expiry (KEYCTL_SET_TIMEOUT), request-key upcalls, instantiation by an
// authority (KEYCTL_INSTANTIATE and friends), key ownership other than root, restrictions.
using Kernel.Memory;

namespace Kernel.Syscalls
{
    internal sealed unsafe class Key
    {
        public int Serial;
        public int Type;                        // SysKeys.TypeUser, TypeLogon, TypeKeyring
        public byte* Desc; public int DescLen;  // heap, NUL-terminated
        public byte* Payload; public int PayloadLen;
        public uint Perm;
        public int Refs = 1;                    // links from keyrings and anchors (thread, process, session, user)
        public bool Revoked, Invalid;
        public Key[] Links; public int LinkCount;   // a keyring's keys
        public Key Prev, Next;                  // every live key, for lookup by serial
        public Key FreeNext;                    // the to-free stack of Put
        public long Charged;                    // bytes counted against the quota
    }

    internal static unsafe class SysKeys
    {
        public const int TypeUser = 1, TypeLogon = 2, TypeKeyring = 3;

        // keyctl operations (linux/keyctl.h).
        private const int KEYCTL_GET_KEYRING_ID = 0, KEYCTL_JOIN_SESSION_KEYRING = 1, KEYCTL_UPDATE = 2, KEYCTL_REVOKE = 3,
            KEYCTL_CHOWN = 4, KEYCTL_SETPERM = 5, KEYCTL_DESCRIBE = 6, KEYCTL_CLEAR = 7, KEYCTL_LINK = 8, KEYCTL_UNLINK = 9,
            KEYCTL_SEARCH = 10, KEYCTL_READ = 11, KEYCTL_GET_SECURITY = 17, KEYCTL_INVALIDATE = 21;

        // Special keyring ids.
        private const int KEY_SPEC_THREAD_KEYRING = -1, KEY_SPEC_PROCESS_KEYRING = -2, KEY_SPEC_SESSION_KEYRING = -3,
            KEY_SPEC_USER_KEYRING = -4, KEY_SPEC_USER_SESSION_KEYRING = -5, KEY_SPEC_GROUP_KEYRING = -6,
            KEY_SPEC_REQKEY_AUTH_KEY = -7, KEY_SPEC_REQUESTOR_KEYRING = -8;

        // Permission bits: possessor << 24, user << 16, group << 8, other.
        private const uint VIEW = 1, READ = 2, WRITE = 4, SEARCH = 8, LINK = 0x10, SETATTR = 0x20, ALL = 0x3f;
        private const uint POS_ALL = ALL << 24, USR_ALL = ALL << 16, USR_VIEW = VIEW << 16, USR_READ = READ << 16, USR_LINK = LINK << 16;

        // Limits, as Linux's: payload and description sizes, the quota of root (uid 0).
        private const int MaxKeys = 1000000;
        private const long MaxBytes = 25000000;
        private const int MaxDesc = 4095, MaxUserPayload = 32767, MaxPayload = 1024 * 1024 - 1, MaxTypeName = 32;
        private const int SearchDepth = 6;      // KEYRING_SEARCH_MAX_DEPTH

        private static Key s_all;
        private static int s_count;
        private static long s_bytes;
        private static int s_nextSerial;
        private static Key s_user, s_userSession;

        public static int KeyCount => s_count;

        // ---- life of a key --------------------------------------------------------------------

        /// <summary>A new key (one reference, the caller's) or -errno: EDQUOT past the quota or when memory runs low.</summary>
        private static long NewKey(int type, byte* desc, int descLen, byte* payload, int plen, uint perm, out Key key)
        {
            key = null;
            long charge = descLen + 1 + plen;
            if (s_count + 1 > MaxKeys || s_bytes + charge > MaxBytes || Mm.Pages.FreeFrames < 1024) return -Errno.EDQUOT;
            byte* d = (byte*)Mm.KernelHeap.Alloc((ulong)descLen + 1);
            byte* p = plen > 0 ? (byte*)Mm.KernelHeap.Alloc((ulong)plen) : null;
            if (d == null || (plen > 0 && p == null))
            {
                if (d != null) Mm.KernelHeap.Free(d);
                if (p != null) Mm.KernelHeap.Free(p);
                return -Errno.ENOMEM;
            }
            Mem.Copy(d, desc, (ulong)descLen);
            d[descLen] = 0;
            if (plen > 0) Mem.Copy(p, payload, (ulong)plen);
            if (s_nextSerial == 0) { uint r; Random.Fill((byte*)&r, 4); s_nextSerial = (int)(r % 0x3fffffff) + 3; }
            key = new Key { Type = type, Desc = d, DescLen = descLen, Payload = p, PayloadLen = plen, Perm = perm, Charged = charge };
            do { key.Serial = s_nextSerial++; if (s_nextSerial <= 2) s_nextSerial = 3; } while (Find(key.Serial, true) != null);
            key.Next = s_all;
            if (s_all != null) s_all.Prev = key;
            s_all = key;
            s_count++;
            s_bytes += charge;
            return 0;
        }

        private static long NewKeyring(string desc, uint perm, out Key key)
        {
            byte* d = stackalloc byte[16];
            for (int i = 0; i < desc.Length; i++) d[i] = (byte)desc[i];
            return NewKey(TypeKeyring, d, desc.Length, null, 0, perm, out key);
        }

        /// <summary>Drops a reference; a key nobody holds is freed, and the keys only it held after it (no recursion).</summary>
        public static void Put(Key k)
        {
            if (k == null || --k.Refs > 0) return;
            Key stack = k;
            k.FreeNext = null;
            while (stack != null)
            {
                Key f = stack;
                stack = f.FreeNext;
                for (int i = 0; i < f.LinkCount; i++)
                {
                    Key c = f.Links[i];
                    if (--c.Refs == 0) { c.FreeNext = stack; stack = c; }
                }
                if (f.Links != null) Runtime.Allocator.Free(f.Links);
                if (f.Prev != null) f.Prev.Next = f.Next; else s_all = f.Next;
                if (f.Next != null) f.Next.Prev = f.Prev;
                s_count--;
                s_bytes -= f.Charged;
                Mm.KernelHeap.Free(f.Desc);
                if (f.Payload != null) Mm.KernelHeap.Free(f.Payload);
                Runtime.Allocator.Free(f);
            }
        }

        private static Key Find(int serial, bool withInvalid)
        {
            for (Key k = s_all; k != null; k = k.Next) if (k.Serial == serial && (withInvalid || !k.Invalid)) return k;
            return null;
        }

        // ---- anchors: fork, clone, exec, exit --------------------------------------------------

        /// <summary>fork: the child shares the session keyring; it has no process or thread keyring.</summary>
        public static void OnFork(Process child, Process parent)
        {
            child.SessionKeyring = parent.SessionKeyring;
            if (child.SessionKeyring != null) child.SessionKeyring.Refs++;
        }

        /// <summary>clone(CLONE_THREAD): a thread of a thread that has a keyring gets a new one of its own.</summary>
        public static void OnNewThread(Thread t, Thread creator)
        {
            if (creator.ThreadKeyring == null) return;
            if (NewKeyring("_tid", POS_ALL | USR_VIEW, out Key k) == 0) t.ThreadKeyring = k;
        }

        /// <summary>execve: the thread and process keyrings go; the session keyring stays.</summary>
        public static void OnExec(Process p, Thread t)
        {
            Put(t.ThreadKeyring); t.ThreadKeyring = null;
            Put(p.ProcessKeyring); p.ProcessKeyring = null;
        }

        public static void OnThreadExit(Thread t) { Put(t.ThreadKeyring); t.ThreadKeyring = null; }

        public static void OnProcessExit(Process p)
        {
            Put(p.ProcessKeyring); p.ProcessKeyring = null;
            Put(p.SessionKeyring); p.SessionKeyring = null;
        }

        private static Key UserKeyring(bool session)
        {
            if (s_user != null && s_user.Invalid) { Put(s_user); s_user = null; }
            if (s_userSession != null && s_userSession.Invalid) { Put(s_userSession); s_userSession = null; }
            if (s_user == null && NewKeyring("_uid.0", POS_ALL | USR_ALL, out s_user) < 0) return null;
            if (session && s_userSession == null)
            {
                if (NewKeyring("_uid_ses.0", POS_ALL | USR_ALL, out s_userSession) < 0) return null;
                Link(s_userSession, s_user);
            }
            return session ? s_userSession : s_user;
        }

        // ---- lookup and permission --------------------------------------------------------------

        /// <summary>A live anchor (an invalidated keyring counts as none and is dropped).</summary>
        private static Key Live(ref Key anchor)
        {
            if (anchor != null && anchor.Invalid) { Put(anchor); anchor = null; }
            return anchor;
        }

        /// <summary>
        /// The key an id names (the special negative ids create their keyring when <paramref name="create"/>),
        /// whether the caller possesses it, then the checks Linux makes when <paramref name="need"/> is not
        /// 0: EKEYREVOKED for a revoked key, EACCES without the permission.
        /// </summary>
        private static long Lookup(int id, bool create, uint need, out Key key, out bool possessed)
        {
            key = null;
            possessed = true;
            Thread t = Thread.Current;
            Process p = t.Process;
            switch (id)
            {
                case KEY_SPEC_THREAD_KEYRING:
                    if (Live(ref t.ThreadKeyring) == null)
                    {
                        if (!create) return -Errno.ENOKEY;
                        long r = NewKeyring("_tid", POS_ALL | USR_VIEW, out t.ThreadKeyring);
                        if (r < 0) return r;
                    }
                    key = t.ThreadKeyring;
                    break;
                case KEY_SPEC_PROCESS_KEYRING:
                    if (Live(ref p.ProcessKeyring) == null)
                    {
                        if (!create) return -Errno.ENOKEY;
                        long r = NewKeyring("_pid", POS_ALL | USR_VIEW, out p.ProcessKeyring);
                        if (r < 0) return r;
                    }
                    key = p.ProcessKeyring;
                    break;
                case KEY_SPEC_SESSION_KEYRING:
                    if (Live(ref p.SessionKeyring) == null)
                    {
                        // Linux: with create, join a new anonymous session; without, the user session keyring becomes the session's.
                        if (create)
                        {
                            long r = NewKeyring("_ses", POS_ALL | USR_VIEW | USR_READ, out p.SessionKeyring);
                            if (r < 0) return r;
                        }
                        else
                        {
                            Key us = UserKeyring(true);
                            if (us == null) return -Errno.EDQUOT;
                            us.Refs++;
                            p.SessionKeyring = us;
                        }
                    }
                    key = p.SessionKeyring;
                    break;
                case KEY_SPEC_USER_KEYRING:
                case KEY_SPEC_USER_SESSION_KEYRING:
                    key = UserKeyring(id == KEY_SPEC_USER_SESSION_KEYRING);
                    if (key == null) return -Errno.EDQUOT;
                    break;
                case KEY_SPEC_GROUP_KEYRING: return -Errno.EINVAL;
                case KEY_SPEC_REQKEY_AUTH_KEY: case KEY_SPEC_REQUESTOR_KEYRING: return -Errno.ENOKEY;
                default:
                    if (id < 1) return -Errno.EINVAL;
                    key = Find(id, false);
                    if (key == null) return -Errno.ENOKEY;
                    possessed = Possessed(key);
                    break;
            }
            if (need == 0) return 0;
            if (key.Revoked) return -Errno.EKEYREVOKED;
            return Permitted(key, need, possessed) ? 0 : -Errno.EACCES;
        }

        private static bool Permitted(Key k, uint need, bool possessed)
        {
            uint perm = (k.Perm >> 16) & ALL;                     // the owner's bits: every key belongs to root here
            if (possessed) perm |= k.Perm >> 24;
            return (perm & need) == need;
        }

        /// <summary>Linux's possession: the key is one of the caller's keyrings or reachable from them through searchable keyrings.</summary>
        private static bool Possessed(Key k)
        {
            Thread t = Thread.Current;
            Process p = t.Process;
            return Reaches(t.ThreadKeyring, k, 0, true) || Reaches(p.ProcessKeyring, k, 0, true) ||
                   Reaches(p.SessionKeyring != null ? p.SessionKeyring : s_userSession, k, 0, true);
        }

        /// <summary>True when <paramref name="target"/> is <paramref name="ring"/> or linked below it (at most SearchDepth levels).</summary>
        private static bool Reaches(Key ring, Key target, int depth, bool searchable)
        {
            if (ring == null || ring.Invalid) return false;
            if (ring == target) return !searchable || depth == 0 || Permitted(target, SEARCH, true);
            if (ring.Type != TypeKeyring || ring.Revoked || depth > SearchDepth) return false;
            if (searchable && depth > 0 && !Permitted(ring, SEARCH, true)) return false;
            for (int i = 0; i < ring.LinkCount; i++) if (Reaches(ring.Links[i], target, depth + 1, searchable)) return true;
            return false;
        }

        // ---- keyrings ----------------------------------------------------------------------------

        /// <summary>Links <paramref name="k"/> into <paramref name="ring"/>, replacing a key of the same type and description.</summary>
        private static long Link(Key ring, Key k)
        {
            if (ring.Type != TypeKeyring) return -Errno.ENOTDIR;
            if (k.Type == TypeKeyring && Reaches(k, ring, 0, false)) return -Errno.EDEADLK;
            int same = -1;
            for (int i = 0; i < ring.LinkCount; i++)
            {
                if (ring.Links[i] == k) return 0;
                if (ring.Links[i].Type == k.Type && SameDesc(ring.Links[i], k.Desc, k.DescLen)) same = i;
            }
            if (same >= 0)
            {
                Key old = ring.Links[same];
                ring.Links[same] = k;
                k.Refs++;
                Put(old);
                return 0;
            }
            if (ring.Links == null || ring.LinkCount == ring.Links.Length)
            {
                if (Mm.Pages.FreeFrames < 1024) return -Errno.EDQUOT;
                var bigger = new Key[ring.Links == null ? 4 : ring.Links.Length * 2];
                for (int i = 0; i < ring.LinkCount; i++) bigger[i] = ring.Links[i];
                if (ring.Links != null) Runtime.Allocator.Free(ring.Links);
                ring.Links = bigger;
            }
            ring.Links[ring.LinkCount++] = k;
            k.Refs++;
            return 0;
        }

        private static long Unlink(Key ring, Key k)
        {
            if (ring.Type != TypeKeyring) return -Errno.ENOTDIR;
            for (int i = 0; i < ring.LinkCount; i++)
            {
                if (ring.Links[i] != k) continue;
                for (int j = i + 1; j < ring.LinkCount; j++) ring.Links[j - 1] = ring.Links[j];
                ring.Links[--ring.LinkCount] = null;
                Put(k);
                return 0;
            }
            return -Errno.ENOENT;
        }

        private static void Clear(Key ring)
        {
            while (ring.LinkCount > 0)
            {
                Key k = ring.Links[--ring.LinkCount];
                ring.Links[ring.LinkCount] = null;
                Put(k);
            }
        }

        private static bool SameDesc(Key k, byte* desc, int len)
        {
            if (k.DescLen != len) return false;
            for (int i = 0; i < len; i++) if (k.Desc[i] != desc[i]) return false;
            return true;
        }

        /// <summary>
        /// keyring_search: the ring's own keys first, then the keyrings in it (depth first, SearchDepth
        /// levels, through searchable ones). A revoked match is skipped with EKEYREVOKED; none: ENOKEY.
        /// </summary>
        private static long Search(Key ring, int type, byte* desc, int len, int depth, out Key found)
        {
            found = null;
            long skipped = -Errno.ENOKEY;
            for (int i = 0; i < ring.LinkCount; i++)
            {
                Key k = ring.Links[i];
                if (k.Invalid || k.Type != type || !SameDesc(k, desc, len)) continue;
                if (!Permitted(k, SEARCH, true)) { skipped = -Errno.EACCES; continue; }
                if (k.Revoked) { skipped = -Errno.EKEYREVOKED; continue; }
                found = k;
                return 0;
            }
            if (depth >= SearchDepth) return skipped;
            for (int i = 0; i < ring.LinkCount; i++)
            {
                Key k = ring.Links[i];
                if (k.Type != TypeKeyring || k.Invalid || k.Revoked || !Permitted(k, SEARCH, true)) continue;
                long r = Search(k, type, desc, len, depth + 1, out found);
                if (r == 0) return 0;
                if (skipped == -Errno.ENOKEY) skipped = r;
            }
            return skipped;
        }

        // ---- arguments ---------------------------------------------------------------------------

        /// <summary>A key type name from user memory: the type, or -EFAULT / -EINVAL (empty, too long), -EPERM (starts with '.').</summary>
        private static long TypeFromUser(ulong user, out int type)
        {
            type = 0;
            byte* name = stackalloc byte[MaxTypeName];
            long n = UserMemory.StringLength(user, MaxTypeName);
            if (n == -Errno.ENAMETOOLONG) return -Errno.EINVAL;
            if (n < 0) return n;
            if (n == 0) return -Errno.EINVAL;
            if (UserMemory.CopyFrom(name, user, (ulong)n) != 0) return -Errno.EFAULT;
            if (name[0] == '.') return -Errno.EPERM;
            type = Is(name, n, "user") ? TypeUser : Is(name, n, "logon") ? TypeLogon : Is(name, n, "keyring") ? TypeKeyring : -1;
            return 0;
        }

        private static bool Is(byte* s, long n, string what)
        {
            if (n != what.Length) return false;
            for (int i = 0; i < what.Length; i++) if (s[i] != what[i]) return false;
            return true;
        }

        /// <summary>A description from user memory into <paramref name="buf"/> (MaxDesc + 1 bytes): its length, or -EFAULT / -EINVAL.</summary>
        private static long DescFromUser(ulong user, byte* buf)
        {
            if (user == 0) return 0;
            long n = UserMemory.StringLength(user, MaxDesc + 1);
            if (n == -Errno.ENAMETOOLONG) return -Errno.EINVAL;
            if (n < 0) return n;
            if (UserMemory.CopyFrom(buf, user, (ulong)n) != 0) return -Errno.EFAULT;
            return n;
        }

        /// <summary>What the type needs of a payload and description: user 1..32767 bytes, logon also "prefix:desc", keyring none.</summary>
        private static long Vet(int type, byte* desc, long descLen, long plen, bool hasPayload)
        {
            if (type < 0) return -Errno.ENODEV;
            if (type == TypeKeyring) { if (plen != 0) return -Errno.EINVAL; }
            else if (plen <= 0 || plen > MaxUserPayload || !hasPayload) return -Errno.EINVAL;
            if (descLen == 0) return -Errno.EINVAL;
            if (type == TypeLogon)
            {
                int colon = -1;
                for (int i = 0; i < descLen && colon < 0; i++) if (desc[i] == ':') colon = i;
                if (colon <= 0) return -Errno.EINVAL;
            }
            return 0;
        }

        private static uint DefaultPerm(int type) => POS_ALL & ~(type == TypeLogon ? READ << 24 : 0) | USR_VIEW;

        // ---- the calls --------------------------------------------------------------------------

        /// <summary>add_key(type, description, payload, plen, keyring): a new key in the keyring, or the update of the one with that description.</summary>
        public static long AddKey(SyscallFrame* f)
        {
            ulong plen = f->A3;
            if (plen > MaxPayload) return -Errno.EINVAL;
            long r = TypeFromUser(f->A0, out int type);
            if (r < 0) return r;
            byte* desc = stackalloc byte[MaxDesc + 1];
            long descLen = DescFromUser(f->A1, desc);
            if (descLen < 0) return descLen;
            if (descLen > 0 && desc[0] == '.' && type == TypeKeyring) return -Errno.EPERM;
            byte* payload = null;
            if (plen > 0)
            {
                payload = (byte*)Mm.KernelHeap.Alloc(plen);
                if (payload == null) return -Errno.ENOMEM;
                if (f->A2 == 0 || UserMemory.CopyFrom(payload, f->A2, plen) != 0) { Mm.KernelHeap.Free(payload); return -Errno.EFAULT; }
            }
            r = AddKeyTo((int)f->A4, type, desc, (int)descLen, payload, (int)plen, f->A2 != 0);
            if (payload != null) Mm.KernelHeap.Free(payload);
            return r;
        }

        private static long AddKeyTo(int ringId, int type, byte* desc, int descLen, byte* payload, int plen, bool hasPayload)
        {
            long r = Lookup(ringId, true, WRITE, out Key ring, out _);
            if (r < 0) return r;
            if (type < 0) return -Errno.ENODEV;
            if (ring.Type != TypeKeyring) return -Errno.ENOTDIR;
            r = Vet(type, desc, descLen, plen, hasPayload);
            if (r < 0) return r;
            // An updatable key of the same type and description already in the ring takes the new payload.
            if (type != TypeKeyring)
                for (int i = 0; i < ring.LinkCount; i++)
                {
                    Key k = ring.Links[i];
                    if (k.Type != type || k.Invalid || k.Revoked || !SameDesc(k, desc, descLen) || !Permitted(k, WRITE, true)) continue;
                    r = SetPayload(k, payload, plen);
                    return r < 0 ? r : k.Serial;
                }
            r = NewKey(type, desc, descLen, payload, plen, DefaultPerm(type), out Key key);
            if (r < 0) return r;
            r = Link(ring, key);
            int serial = key.Serial;
            Put(key);                               // the ring holds it now (or nobody: freed)
            return r < 0 ? r : serial;
        }

        private static long SetPayload(Key k, byte* payload, int plen)
        {
            long delta = plen - k.PayloadLen;
            if (s_bytes + delta > MaxBytes) return -Errno.EDQUOT;
            byte* p = (byte*)Mm.KernelHeap.Alloc((ulong)plen);
            if (p == null) return -Errno.ENOMEM;
            Mem.Copy(p, payload, (ulong)plen);
            if (k.Payload != null) Mm.KernelHeap.Free(k.Payload);
            k.Payload = p;
            k.PayloadLen = plen;
            k.Charged += delta;
            s_bytes += delta;
            return 0;
        }

        /// <summary>request_key(type, description, callout, keyring): a search of the caller's keyrings; no upcall (ENOKEY when absent).</summary>
        public static long RequestKey(SyscallFrame* f)
        {
            long r = TypeFromUser(f->A0, out int type);
            if (r < 0) return r;
            byte* desc = stackalloc byte[MaxDesc + 1];
            long descLen = DescFromUser(f->A1, desc);
            if (descLen < 0) return descLen;
            if (descLen == 0) return -Errno.EINVAL;
            if (type == TypeKeyring && desc[0] == '.') return -Errno.EPERM;
            Key dest = null;
            if ((int)f->A3 != 0)
            {
                r = Lookup((int)f->A3, true, WRITE, out dest, out _);
                if (r < 0) return r;
            }
            if (type < 0) return -Errno.ENOKEY;
            Thread t = Thread.Current;
            Process p = t.Process;
            Key found = null;
            Key session = Live(ref p.SessionKeyring) != null ? p.SessionKeyring : UserKeyring(true);
            for (int i = 0; i < 3 && found == null; i++)
            {
                Key ring = i == 0 ? Live(ref t.ThreadKeyring) : i == 1 ? Live(ref p.ProcessKeyring) : session;
                if (ring == null || ring.Revoked) continue;
                Search(ring, type, desc, (int)descLen, 0, out found);
            }
            if (found == null) return -Errno.ENOKEY;           // revoked or unreadable matches too: no upcall to construct one
            if (dest != null)
            {
                r = Link(dest, found);
                if (r < 0) return r;
            }
            return found.Serial;
        }

        /// <summary>keyctl(operation, arg2, arg3, arg4, arg5).</summary>
        public static long Keyctl(SyscallFrame* f)
        {
            int id = (int)f->A1;
            long r;
            Key k, ring;
            switch ((int)f->A0)
            {
                case KEYCTL_GET_KEYRING_ID:
                    r = Lookup(id, f->A2 != 0, SEARCH, out k, out _);
                    return r < 0 ? r : k.Serial;

                case KEYCTL_JOIN_SESSION_KEYRING:
                    return JoinSession(f->A1);

                case KEYCTL_UPDATE:
                {
                    ulong plen = f->A3;
                    if (plen > MaxPayload) return -Errno.EINVAL;
                    byte* payload = null;
                    if (plen > 0)
                    {
                        payload = (byte*)Mm.KernelHeap.Alloc(plen);
                        if (payload == null) return -Errno.ENOMEM;
                        if (f->A2 == 0 || UserMemory.CopyFrom(payload, f->A2, plen) != 0) { Mm.KernelHeap.Free(payload); return -Errno.EFAULT; }
                    }
                    r = Lookup(id, false, WRITE, out k, out _);
                    if (r == 0 && k.Type == TypeKeyring) r = -Errno.EOPNOTSUPP;
                    if (r == 0 && (plen == 0 || plen > MaxUserPayload)) r = -Errno.EINVAL;
                    if (r == 0) r = SetPayload(k, payload, (int)plen);
                    if (payload != null) Mm.KernelHeap.Free(payload);
                    return r;
                }

                case KEYCTL_REVOKE:
                    r = Lookup(id, false, WRITE, out k, out bool pos);
                    if (r == -Errno.EACCES && Permitted(k, SETATTR, pos)) r = 0;
                    if (r < 0) return r;
                    k.Revoked = true;
                    if (k.Type == TypeKeyring) Clear(k);
                    return 0;

                case KEYCTL_SETPERM:
                {
                    uint perm = (uint)f->A2;
                    if ((perm & ~0x3f3f3f3fu) != 0) return -Errno.EINVAL;
                    r = Lookup(id, true, 0, out k, out bool possessed);
                    if (r < 0) return r;
                    if (!Permitted(k, SETATTR, possessed)) return -Errno.EACCES;
                    k.Perm = perm;
                    return 0;
                }

                case KEYCTL_DESCRIBE:
                {
                    r = Lookup(id, false, VIEW, out k, out _);
                    if (r < 0) return r;
                    byte* info = stackalloc byte[64];
                    int n = 0;
                    string type = k.Type == TypeUser ? "user" : k.Type == TypeLogon ? "logon" : "keyring";
                    for (int i = 0; i < type.Length; i++) info[n++] = (byte)type[i];
                    info[n++] = (byte)';'; info[n++] = (byte)'0'; info[n++] = (byte)';'; info[n++] = (byte)'0'; info[n++] = (byte)';';
                    for (int shift = 28; shift >= 0; shift -= 4) info[n++] = (byte)"0123456789abcdef"[(int)((k.Perm >> shift) & 15)];
                    info[n++] = (byte)';';
                    long total = n + k.DescLen + 1;
                    if (f->A2 != 0 && (long)f->A3 >= total)
                        if (UserMemory.CopyTo(f->A2, info, (ulong)n) != 0 || UserMemory.CopyTo(f->A2 + (ulong)n, k.Desc, (ulong)k.DescLen + 1) != 0) return -Errno.EFAULT;
                    return total;
                }

                case KEYCTL_CLEAR:
                    r = Lookup(id, true, WRITE, out ring, out _);
                    if (r < 0) return r;
                    if (ring.Type != TypeKeyring) return -Errno.ENOTDIR;
                    Clear(ring);
                    return 0;

                case KEYCTL_LINK:
                    r = Lookup((int)f->A2, true, WRITE, out ring, out _);
                    if (r < 0) return r;
                    r = Lookup(id, true, LINK, out k, out _);
                    if (r < 0) return r;
                    return Link(ring, k);

                case KEYCTL_UNLINK:
                    r = Lookup((int)f->A2, false, WRITE, out ring, out _);
                    if (r < 0) return r;
                    r = Lookup(id, false, 0, out k, out _);
                    if (r < 0) return r;
                    return Unlink(ring, k);

                case KEYCTL_SEARCH:
                {
                    r = TypeFromUser(f->A2, out int type);
                    if (r < 0) return r;
                    byte* desc = stackalloc byte[MaxDesc + 1];
                    long descLen = DescFromUser(f->A3, desc);
                    if (descLen < 0) return descLen;
                    r = Lookup(id, false, SEARCH, out ring, out _);
                    if (r < 0) return r;
                    Key dest = null;
                    if ((int)f->A4 != 0)
                    {
                        r = Lookup((int)f->A4, true, WRITE, out dest, out _);
                        if (r < 0) return r;
                    }
                    if (type < 0) return -Errno.ENOKEY;           // key_type_lookup's answer (only add_key says ENODEV)
                    if (ring.Type != TypeKeyring) return -Errno.ENOTDIR;
                    r = Search(ring, type, desc, (int)descLen, 0, out Key found);
                    if (r < 0) return r;
                    if (dest != null)
                    {
                        if (!Permitted(found, LINK, true)) return -Errno.EACCES;
                        r = Link(dest, found);
                        if (r < 0) return r;
                    }
                    return found.Serial;
                }

                case KEYCTL_READ:
                {
                    r = Lookup(id, false, 0, out k, out bool possessed);
                    if (r < 0) return r;
                    if (k.Revoked) return -Errno.EKEYREVOKED;
                    // A possessed key reads without READ permission (it could be found by a search anyway).
                    if (!Permitted(k, READ, possessed) && !possessed) return -Errno.EACCES;
                    if (k.Type == TypeLogon) return -Errno.EOPNOTSUPP;
                    // The whole payload or nothing: a buffer too short only learns the size, as on Linux.
                    ulong buf = f->A2, buflen = f->A3;
                    if (k.Type == TypeUser)
                    {
                        if (buf != 0 && buflen >= (ulong)k.PayloadLen && UserMemory.CopyTo(buf, k.Payload, (ulong)k.PayloadLen) != 0) return -Errno.EFAULT;
                        return k.PayloadLen;
                    }
                    long size = (long)k.LinkCount * 4;
                    if (buf != 0 && buflen >= (ulong)size)
                        for (int i = 0; i < k.LinkCount; i++)
                            if (UserMemory.Write(buf + (ulong)i * 4, k.Links[i].Serial) != 0) return -Errno.EFAULT;
                    return size;
                }

                case KEYCTL_GET_SECURITY:
                    r = Lookup(id, false, VIEW, out k, out _);
                    if (r < 0) return r;
                    if (f->A2 != 0 && f->A3 >= 1 && UserMemory.Write(f->A2, (byte)0) != 0) return -Errno.EFAULT;
                    return 1;                                  // no security module: an empty label

                case KEYCTL_INVALIDATE:
                    r = Lookup(id, false, SEARCH, out k, out _);
                    if (r < 0) return r;
                    Invalidate(k);
                    return 0;
            }
            return -Errno.EOPNOTSUPP;
        }

        /// <summary>KEYCTL_JOIN_SESSION_KEYRING: a new anonymous session keyring (null name), or the named one (made when absent).</summary>
        private static long JoinSession(ulong userName)
        {
            Process p = Process.Current;
            Key k;
            long r;
            if (userName == 0) r = NewKeyring("_ses", POS_ALL | USR_VIEW | USR_READ, out k);
            else
            {
                byte* name = stackalloc byte[MaxDesc + 1];
                long n = DescFromUser(userName, name);
                if (n < 0) return n;
                if (n == 0) return -Errno.EINVAL;
                if (name[0] == '.') return -Errno.EPERM;
                k = null;
                for (Key x = s_all; x != null && k == null; x = x.Next)
                    if (x.Type == TypeKeyring && !x.Invalid && !x.Revoked && SameDesc(x, name, (int)n) && Permitted(x, SEARCH, false)) k = x;
                if (k != null) { k.Refs++; r = 0; }
                else r = NewKey(TypeKeyring, name, (int)n, null, 0, POS_ALL | USR_VIEW | USR_READ | USR_LINK, out k);
            }
            if (r < 0) return r;
            Put(p.SessionKeyring);
            p.SessionKeyring = k;
            return k.Serial;
        }

        /// <summary>The key goes out of every keyring at once (Linux's garbage collector does it soon after); its id stops working.</summary>
        private static void Invalidate(Key k)
        {
            k.Invalid = true;
            k.Refs++;                                   // hold it while the rings let go
            for (Key x = s_all; x != null; x = x.Next)
            {
                if (x.Type != TypeKeyring) continue;
                for (int i = 0; i < x.LinkCount; i++) if (x.Links[i] == k) { Unlink(x, k); break; }
            }
            Put(k);
        }
    }
}
