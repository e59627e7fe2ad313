// IPv6 fragments (RFC 8200 4.5) we send: datagrams that exceed the route's MTU cut into
// fragments. What arrives is reassembled by Fragments.cs (60 s, overlaps discard the datagram).
using System;

namespace Kernel.Net
{
    public sealed partial class NetStack
    {
        private uint _ip6FragmentId;
        public long Ip6FragmentsOut, Ip6Reassembled;

        /// <summary>Sends TxBuf[L4Off..+payloadLen) as fragments of at most the route's MTU. Each
        /// fragment's headers are written in place right before its piece of the payload, over
        /// the end of the previous piece, which is already on its way (every output path copies).</summary>
        private int Ip6Fragment(ref Route r, Ip6Address src, Ip6Address dst, int proto, int payloadLen, int hopLimit)
        {
            int chunk = (r.Mtu - 48) & ~7;
            if (chunk < L4Off) return -Errno.EMSGSIZE;                 // the headers must fit in a piece
            uint id = ++_ip6FragmentId;
            if (id == 1) id = _ip6FragmentId = (uint)Secret | 1;     // start somewhere unpredictable
            byte[] b = TxBuf;
            int result = 0;
            for (int off = 0; off < payloadLen; off += chunk)
            {
                int len = payloadLen - off; if (len > chunk) len = chunk;
                bool more = off + len < payloadLen;
                int at = L4Off + off;
                b[at - 8] = (byte)proto; b[at - 7] = 0; Be.W16(b, at - 6, off | (more ? 1 : 0)); Be.W32(b, at - 4, id);
                Ip6FragmentsOut++;
                int e = Ip6Emit(ref r, src, dst, Ext6Fragment, hopLimit, at - 8, len + 8);
                if (e < 0) result = e;
            }
            return result;
        }
    }
}
