// The TCP timer queue: a binary min-heap of sockets keyed by their Deadline (the earliest of
// their retransmission, delayed ACK, persist, close (TIME_WAIT, FIN_WAIT_2) and keepalive times),
// so the tick reads the earliest deadline at the top and Poll visits only sockets that are due:
// O(log n) per change, O(expired log n) per tick, whatever the number of connections.
//
// Invariant: a socket is in the queue exactly when it is in TcpList and its Deadline is finite,
// and then its key is its Deadline. TcpSocket keeps it so: every write of something Deadline
// reads goes through a setter or helper that calls TcpSocket.Rearm. Each socket keeps its heap
// index, so a changed deadline moves it in place. The array grows by doubling; when memory is
// short the socket waits on an overflow list (chained through the sockets) that is scanned
// instead, and joins the heap once it can grow: nothing is lost.
namespace Kernel.Net
{
    internal sealed class TcpTimerQueue
    {
        internal const int NotQueued = -1, Overflowed = -2;
        private const int InitialCapacity = 64;

        private TcpSocket[] _heap;
        private int _count;
        private TcpSocket _overflow;       // chained through TimerNext
        private int _overflowCount;

        internal TcpTimerQueue() { _heap = new TcpSocket[InitialCapacity]; }

        /// <summary>Sockets with a deadline.</summary>
        internal int Count => _count + _overflowCount;

        /// <summary>Queues s at key, moves it there, or (key long.MaxValue) takes it out.</summary>
        internal void Set(TcpSocket s, long key)
        {
            if (key == long.MaxValue) { Remove(s); return; }
            long old = s.TimerKey;
            s.TimerKey = key;
            int i = s.TimerIndex;
            if (i >= 0)
            {
                if (key < old) Up(i); else Down(i);
                return;
            }
            if (i == Overflowed) return;
            if (_count == _heap.Length && !Grow())
            {
                s.TimerIndex = Overflowed;
                s.TimerNext = _overflow; _overflow = s; _overflowCount++;
                return;
            }
            Place(s, _count++);
            Up(_count - 1);
        }

        internal void Remove(TcpSocket s)
        {
            int i = s.TimerIndex;
            s.TimerKey = long.MaxValue;
            if (i == NotQueued) return;
            s.TimerIndex = NotQueued;
            if (i == Overflowed) { Unchain(s); return; }
            TcpSocket last = _heap[--_count];
            _heap[_count] = null;
            if (i == _count) return;
            Place(last, i);
            Up(i);
            Down(last.TimerIndex);
        }

        /// <summary>The earliest deadline (long.MaxValue if none).</summary>
        internal long Earliest
        {
            get
            {
                long d = _count > 0 ? _heap[0].TimerKey : long.MaxValue;
                for (TcpSocket x = _overflow; x != null; x = x.TimerNext) if (x.TimerKey < d) d = x.TimerKey;
                return d;
            }
        }

        /// <summary>The socket with the earliest deadline if that is at or before now, else null.</summary>
        internal TcpSocket Due(long now)
        {
            TcpSocket s = _count > 0 ? _heap[0] : null;
            for (TcpSocket x = _overflow; x != null; x = x.TimerNext) if (s == null || x.TimerKey < s.TimerKey) s = x;
            return s != null && s.TimerKey <= now ? s : null;
        }

        /// <summary>Moves overflowed sockets into the heap as far as it can grow (from Poll).</summary>
        internal void Unspill()
        {
            while (_overflow != null)
            {
                if (_count == _heap.Length && !Grow()) return;
                TcpSocket s = _overflow;
                _overflow = s.TimerNext; s.TimerNext = null; _overflowCount--;
                Place(s, _count++);
                Up(_count - 1);
            }
        }

        private void Place(TcpSocket s, int i) { _heap[i] = s; s.TimerIndex = i; }

        private void Up(int i)
        {
            TcpSocket s = _heap[i];
            while (i > 0)
            {
                int p = (i - 1) >> 1;
                if (_heap[p].TimerKey <= s.TimerKey) break;
                Place(_heap[p], i);
                i = p;
            }
            Place(s, i);
        }

        private void Down(int i)
        {
            TcpSocket s = _heap[i];
            while (true)
            {
                int c = 2 * i + 1;
                if (c >= _count) break;
                if (c + 1 < _count && _heap[c + 1].TimerKey < _heap[c].TimerKey) c++;
                if (s.TimerKey <= _heap[c].TimerKey) break;
                Place(_heap[c], i);
                i = c;
            }
            Place(s, i);
        }

        private void Unchain(TcpSocket s)
        {
            TcpSocket prev = null;
            for (TcpSocket x = _overflow; x != null; prev = x, x = x.TimerNext)
            {
                if (x != s) continue;
                if (prev == null) _overflow = x.TimerNext; else prev.TimerNext = x.TimerNext;
                _overflowCount--;
                break;
            }
            s.TimerNext = null;
        }

        /// <summary>Twice the room; false when memory is short (the heap stays as it is).</summary>
        private bool Grow()
        {
            TcpSocket[] grown = NetMemory.AllocArrayLike(_heap, _heap.Length * 2);
            if (grown == null) return false;
            for (int i = 0; i < _count; i++) grown[i] = _heap[i];
            NetMemory.Free(_heap);
            _heap = grown;
            return true;
        }

        internal void Release() { NetMemory.Free(_heap); _heap = null; }

#if HOST
        /// <summary>Tests: null if the queue holds exactly the sockets of list that have a
        /// deadline, each keyed by it and in heap order; otherwise what is wrong.</summary>
        internal string Check(TcpSocket list)
        {
            int queued = 0;
            for (TcpSocket s = list; s != null; s = s.NextInList)
            {
                long d = s.Deadline;
                if (d == long.MaxValue)
                {
                    if (s.TimerIndex != NotQueued) return "socket without a deadline is queued";
                    continue;
                }
                queued++;
                if (s.TimerKey != d) return "key " + s.TimerKey + " but deadline " + d + " (state " + s.State + ")";
                if (s.TimerIndex == NotQueued) return "socket with deadline " + d + " is not queued (state " + s.State + ")";
                if (s.TimerIndex >= 0 && (s.TimerIndex >= _count || _heap[s.TimerIndex] != s)) return "wrong heap index";
            }
            if (queued != Count) return "queue holds " + Count + " sockets, list has " + queued + " with deadlines";
            for (int i = 1; i < _count; i++)
                if (_heap[(i - 1) >> 1].TimerKey > _heap[i].TimerKey) return "heap order broken at " + i;
            return null;
        }
#endif
    }
}
