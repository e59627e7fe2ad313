// Extended attributes of in-memory nodes: the store only (names, values, order). Namespaces,
// permissions and the user-memory side are the syscall layer's (syscall/SysXattr.cs).
using System;

namespace Kernel.Vfs
{
    public static unsafe partial class FileSystem
    {
        public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;
        public const int XattrNameMax = 255, XattrSizeMax = 65536;

        // Inode.Xattrs is one VfsMemory buffer of XattrBytes bytes holding packed records
        //   [name length: 1 byte][value length: 4 bytes][name][value]
        // sorted by name, descending (the order Linux tmpfs lists them in). A change builds a new
        // buffer: attributes are few and small, and a node without any costs nothing.
        private const int RecordHeader = 5;

        private static int RecordLength(byte* rec) => RecordHeader + rec[0] + *(int*)(rec + 1);
        private static ReadOnlySpan<byte> RecordName(byte* rec) => new ReadOnlySpan<byte>(rec + RecordHeader, rec[0]);

        /// <summary>strcmp order of a record's name and <paramref name="name"/> (negative: the record's is smaller).</summary>
        private static int CompareName(byte* rec, ReadOnlySpan<byte> name)
        {
            int n = rec[0];
            byte* p = rec + RecordHeader;
            for (int i = 0; i < n && i < name.Length; i++)
                if (p[i] != name[i]) return p[i] - name[i];
            return n - name.Length;
        }

        private static byte* FindXattr(Inode node, ReadOnlySpan<byte> name)
        {
            for (int at = 0; at < node.XattrBytes;)
            {
                byte* rec = node.Xattrs + at;
                if (CompareName(rec, name) == 0) return rec;
                at += RecordLength(rec);
            }
            return null;
        }

        /// <summary>The value of <paramref name="name"/> copied into <paramref name="dst"/> (an empty
        /// span asks for the length only): its length, -ENODATA, or -ERANGE when dst is too small.</summary>
        public static int GetXattr(Inode node, ReadOnlySpan<byte> name, Span<byte> dst)
        {
            byte* rec = FindXattr(node, name);
            if (rec == null) return -Errno.ENODATA;
            int length = *(int*)(rec + 1);
            if (dst.Length == 0) return length;
            if (dst.Length < length) return -Errno.ERANGE;
            new ReadOnlySpan<byte>(rec + RecordHeader + rec[0], length).CopyTo(dst);
            return length;
        }

        /// <summary>Sets <paramref name="name"/> (1..255 bytes) to <paramref name="value"/> (at most
        /// 64 KiB) with XATTR_CREATE (-EEXIST) / XATTR_REPLACE (-ENODATA) semantics; -ENOSPC when
        /// out of memory.</summary>
        public static int SetXattr(Inode node, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int flags)
        {
            byte* old = FindXattr(node, name);
            if (old != null && (flags & XATTR_CREATE) != 0) return -Errno.EEXIST;
            if (old == null && (flags & XATTR_REPLACE) != 0) return -Errno.ENODATA;
            int recLength = RecordHeader + name.Length + value.Length;
            long size = (long)node.XattrBytes - (old != null ? RecordLength(old) : 0) + recLength;
            byte* buf = (byte*)VfsMemory.Alloc((ulong)size);
            if (buf == null) return -Errno.ENOSPC;
            int w = 0;
            bool placed = false;
            for (int at = 0; at < node.XattrBytes;)
            {
                byte* rec = node.Xattrs + at;
                int length = RecordLength(rec);
                at += length;
                if (rec == old) continue;
                if (!placed && CompareName(rec, name) < 0) { PutRecord(buf + w, name, value); w += recLength; placed = true; }
                Mem.Copy(buf + w, rec, (ulong)length);
                w += length;
            }
            if (!placed) PutRecord(buf + w, name, value);
            if (node.Xattrs != null) VfsMemory.Free(node.Xattrs);
            node.Xattrs = buf;
            node.XattrBytes = (int)size;
            return 0;
        }

        private static void PutRecord(byte* rec, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            rec[0] = (byte)name.Length;
            *(int*)(rec + 1) = value.Length;
            name.CopyTo(new Span<byte>(rec + RecordHeader, name.Length));
            value.CopyTo(new Span<byte>(rec + RecordHeader + name.Length, value.Length));
        }

        /// <summary>Removes <paramref name="name"/> (-ENODATA when absent). The buffer is kept, shorter.</summary>
        public static int RemoveXattr(Inode node, ReadOnlySpan<byte> name)
        {
            byte* rec = FindXattr(node, name);
            if (rec == null) return -Errno.ENODATA;
            int length = RecordLength(rec);
            long after = node.Xattrs + node.XattrBytes - (rec + length);
            if (after > 0) Mem.Move(rec, rec + length, (ulong)after);
            node.XattrBytes -= length;
            if (node.XattrBytes == 0) FreeXattrs(node);
            return 0;
        }

        /// <summary>The names, each NUL-terminated, into <paramref name="dst"/> (empty: the length
        /// only): the length, or -ERANGE when dst is too small.</summary>
        public static int ListXattrs(Inode node, Span<byte> dst)
        {
            int total = 0;
            for (int at = 0; at < node.XattrBytes; at += RecordLength(node.Xattrs + at)) total += node.Xattrs[at] + 1;
            if (dst.Length == 0) return total;
            if (dst.Length < total) return -Errno.ERANGE;
            int w = 0;
            for (int at = 0; at < node.XattrBytes; at += RecordLength(node.Xattrs + at))
            {
                ReadOnlySpan<byte> name = RecordName(node.Xattrs + at);
                name.CopyTo(dst.Slice(w));
                w += name.Length;
                dst[w++] = 0;
            }
            return total;
        }

        /// <summary>Drops every attribute (the node is dead).</summary>
        public static void FreeXattrs(Inode node)
        {
            if (node.Xattrs != null && VfsMemory.Free != null) VfsMemory.Free(node.Xattrs);
            node.Xattrs = null;
            node.XattrBytes = 0;
        }
    }
}
