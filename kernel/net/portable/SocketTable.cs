// Hash tables the packet path finds sockets in: TCP connections by their 4-tuple, TCP listeners
// by local port, UDP sockets by local port. Chained through the sockets themselves (no node
// objects), keyed with the stack's secret (an attacker cannot aim many tuples at one chain), grown
// by rehashing when there are more sockets than buckets. Growth may fail (memory short): the
// table then keeps its size and chains get longer; nothing is lost.
using System;
using System.Runtime.CompilerServices;

namespace Kernel.Net
{
    /// <summary>What TCP and UDP sockets share: their links in the stack's tables.</summary>
    public abstract class NetSocket
    {
        internal NetSocket HashNext;         // next in the same bucket
        internal SocketTable HashedIn;       // the table holding it, or null
        internal uint HashKey;               // its full hash (the bucket is HashKey & mask)
        internal ulong ListSeq;              // when it joined the stack's list (newer = larger)
        /// <summary>Data, a connection to accept, an end or an error came in: the input edge epoll's EPOLLET reports.</summary>
        public ulong InputEvents;
    }

    /// <summary>Buckets of sockets chained through <see cref="NetSocket.HashNext"/>. A socket is in
    /// at most one table at a time. Callers walk a chain from <see cref="First"/> and compare the
    /// full key themselves (different keys share buckets).</summary>
    internal sealed class SocketTable
    {
        internal const int InitialBuckets = 64;
        private NetSocket[] _buckets;
        private int _count;

        internal SocketTable() { _buckets = new NetSocket[InitialBuckets]; }

        internal int Count => _count;
        internal int Buckets => _buckets.Length;

        internal NetSocket First(uint hash) => _buckets[hash & (uint)(_buckets.Length - 1)];

        internal void Add(NetSocket s, uint hash)
        {
            if (s.HashedIn != null) s.HashedIn.Remove(s);
            if (_count >= _buckets.Length) Grow();
            uint b = hash & (uint)(_buckets.Length - 1);
            s.HashKey = hash; s.HashedIn = this;
            s.HashNext = _buckets[b]; _buckets[b] = s;
            _count++;
        }

        internal void Remove(NetSocket s)
        {
            if (s.HashedIn != this) return;
            uint b = s.HashKey & (uint)(_buckets.Length - 1);
            NetSocket prev = null;
            for (NetSocket x = _buckets[b]; x != null; prev = x, x = x.HashNext)
            {
                if (x != s) continue;
                if (prev == null) _buckets[b] = x.HashNext; else prev.HashNext = x.HashNext;
                break;
            }
            s.HashNext = null; s.HashedIn = null;
            _count--;
        }

        /// <summary>Twice the buckets; on no memory the table stays as it is.</summary>
        private void Grow()
        {
            int n = _buckets.Length * 2;
            if (n > 1 << 20) return;
            NetSocket[] grown = NetMemory.AllocArrayLike(_buckets, n);
            if (grown == null) return;
            NetSocket[] old = _buckets;
            for (int i = 0; i < old.Length; i++)
            {
                NetSocket x = old[i];
                while (x != null)
                {
                    NetSocket next = x.HashNext;
                    uint b = x.HashKey & (uint)(n - 1);
                    x.HashNext = grown[b]; grown[b] = x;
                    x = next;
                }
            }
            _buckets = grown;
            NetMemory.Free(old);
        }

        internal void Release() { NetMemory.Free(_buckets); _buckets = null; }
    }
}
